"""`/schemas…`: a schema by its global id, where it is used, and the schema types served."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from schemaline.registry.api.confluent.auth import Reader
from schemaline.registry.api.confluent.params import RegistryDep, references_json
from schemaline.registry.confluent import reads

router = APIRouter(tags=["schemas"])


@router.get("/schemas/types")
async def schema_types(_: Reader) -> list[str]:
    return ["JSON"]


@router.get("/schemas/ids/{schema_id}")
async def by_id(registry: RegistryDep, schema_id: int, _: Reader) -> dict[str, Any]:
    text, references = await reads.schema(registry, schema_id)
    return {"schema": text, "schemaType": "JSON", **references_json(references)}


@router.get("/schemas/ids/{schema_id}/schema")
async def raw_by_id(registry: RegistryDep, schema_id: int, _: Reader) -> Response:
    text, _references = await reads.schema(registry, schema_id)
    return Response(text, media_type="application/json")


@router.get("/schemas/ids/{schema_id}/versions")
async def versions_of(
    registry: RegistryDep, schema_id: int, _: Reader, deleted: bool = False, subject: str | None = None
) -> list[dict[str, Any]]:
    uses = await reads.uses(registry, schema_id, deleted=deleted)
    return [
        {"subject": str(use.subject), "version": use.number}
        for use in uses
        if subject is None or str(use.subject) == subject
    ]


@router.get("/schemas/ids/{schema_id}/subjects")
async def subjects_of(
    registry: RegistryDep, schema_id: int, _: Reader, deleted: bool = False, subject: str | None = None
) -> list[str]:
    uses = await reads.uses(registry, schema_id, deleted=deleted)
    return sorted({str(use.subject) for use in uses if subject is None or str(use.subject) == subject})
