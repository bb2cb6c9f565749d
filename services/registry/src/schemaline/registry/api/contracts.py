"""Schema contracts: each pipeline stage's binding, stored as revisions, fetched by pipeline and layer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from schemaline.contracts import Layer, PipelineId, SchemaContract
from schemaline.registry import service
from schemaline.registry.api.models import ContractOut, ErrorOut
from schemaline.registry.api.params import PIPELINE_ID_PATTERN, PipelineIdParam, RegistryDep
from schemaline.registry.errors import InvalidRequestError
from schemaline.runtime.http.auth import Configurer, Reader

router = APIRouter(tags=["contracts"])

_404: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No such contract"}}


@router.get("/contracts", response_model=list[ContractOut])
async def list_contracts(
    registry: RegistryDep,
    _: Reader,
    pipeline_id: Annotated[str | None, Query(pattern=PIPELINE_ID_PATTERN)] = None,
) -> list[ContractOut]:
    """The current contract of every stage (of one pipeline, if given)."""
    found = await service.list_contracts(registry, PipelineId(pipeline_id) if pipeline_id else None)
    return [ContractOut.of(revision) for revision in found]


@router.get("/contracts/{pipeline_id}/{layer}", response_model=ContractOut, responses=_404)
async def get_contract(
    registry: RegistryDep, pipeline_id: PipelineIdParam, layer: Layer, _: Reader
) -> ContractOut:
    """The current contract of one stage."""
    return ContractOut.of(await service.current_contract(registry, PipelineId(pipeline_id), layer))


@router.get("/contracts/{pipeline_id}/{layer}/revisions", response_model=list[ContractOut], responses=_404)
async def contract_revisions(
    registry: RegistryDep, pipeline_id: PipelineIdParam, layer: Layer, _: Reader
) -> list[ContractOut]:
    """Every revision of one stage's contract, oldest first (deletions included)."""
    history = await service.contract_history(registry, PipelineId(pipeline_id), layer)
    return [ContractOut.of(revision) for revision in history]


@router.put(
    "/contracts/{pipeline_id}/{layer}",
    response_model=ContractOut,
    status_code=201,
    responses={
        200: {"model": ContractOut, "description": "Identical to the current revision"},
        422: {"model": ErrorOut, "description": "Invalid contract, or its selector matches nothing"},
    },
)
async def put_contract(
    registry: RegistryDep,
    pipeline_id: PipelineIdParam,
    layer: Layer,
    body: SchemaContract,
    principal: Configurer,
    response: Response,
) -> ContractOut:
    """Store a new revision of the stage's contract (idempotent for identical content)."""
    if body.pipeline_id != pipeline_id or body.layer is not layer:
        raise InvalidRequestError(
            "the body's pipeline_id and layer must match the path", pointer="/pipeline_id"
        )
    revision, created = await service.put_contract(registry, body, by=principal.name)
    if not created:
        response.status_code = 200
    return ContractOut.of(revision)


@router.delete("/contracts/{pipeline_id}/{layer}", response_model=ContractOut, responses=_404)
async def delete_contract(
    registry: RegistryDep, pipeline_id: PipelineIdParam, layer: Layer, principal: Configurer
) -> ContractOut:
    """Delete the stage's contract (a tombstone revision; the history stays)."""
    return ContractOut.of(
        await service.delete_contract(registry, PipelineId(pipeline_id), layer, by=principal.name)
    )
