"""`/subjects…`: list, versions, registration, lookup, deletion, references."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from schemaline.registry.api.confluent.auth import Governor, LimitedProposer, LimitedReader, Reader
from schemaline.registry.api.confluent.params import (
    ReadSubject,
    RegistryDep,
    VersionParam,
    WriteSubject,
    registered_json,
)
from schemaline.registry.confluent import deletion, reads
from schemaline.registry.confluent.register import register
from schemaline.registry.confluent.requests import SchemaIn

router = APIRouter(tags=["subjects"])


@router.get("/subjects")
async def list_subjects(
    registry: RegistryDep,
    _: Reader,
    deleted: bool = False,
    subjectPrefix: str = "",  # noqa: N803
) -> list[str]:
    """Subjects with at least one version."""
    return [s for s in await reads.subjects(registry, deleted=deleted) if s.startswith(subjectPrefix)]


@router.get("/subjects/{subject}/versions")
async def list_versions(
    registry: RegistryDep, subject: ReadSubject, _: Reader, deleted: bool = False
) -> list[int]:
    return await reads.versions(registry, subject, deleted=deleted)


@router.get("/subjects/{subject}/versions/{version}")
async def get_version(
    registry: RegistryDep, subject: ReadSubject, version: VersionParam, _: Reader, deleted: bool = False
) -> dict[str, Any]:
    return registered_json(await reads.version(registry, subject, version, deleted=deleted))


@router.get("/subjects/{subject}/versions/{version}/schema")
async def get_version_schema(
    registry: RegistryDep, subject: ReadSubject, version: VersionParam, _: Reader, deleted: bool = False
) -> Response:
    """The schema alone, as stored."""
    found = await reads.version(registry, subject, version, deleted=deleted)
    return Response(found.schema_text, media_type="application/json")


@router.get("/subjects/{subject}/versions/{version}/referencedby")
async def referenced_by(
    registry: RegistryDep, subject: ReadSubject, version: VersionParam, _: Reader
) -> list[int]:
    return await reads.referenced_by(registry, subject, version)


@router.post("/subjects/{subject}/versions")
async def register_version(
    request: Request, registry: RegistryDep, subject: WriteSubject, body: SchemaIn, principal: LimitedProposer
) -> dict[str, int]:
    """Register: a proposal that passes the compatibility check (and, for a bound subject, the gate)."""
    wait_s: float = request.app.state.gate_wait_s
    return {"id": await register(registry, subject, body, principal=principal.name, gate_wait_s=wait_s)}


@router.post("/subjects/{subject}")
async def lookup(
    registry: RegistryDep, subject: ReadSubject, body: SchemaIn, _: LimitedReader, deleted: bool = False
) -> dict[str, Any]:
    """Is this schema registered under the subject? Its version and id."""
    return registered_json(await reads.lookup(registry, subject, body, deleted=deleted))


@router.delete("/subjects/{subject}")
async def delete_subject(
    registry: RegistryDep, subject: ReadSubject, _: Governor, permanent: bool = False
) -> list[int]:
    return await deletion.delete_subject(registry, subject, permanent=permanent)


@router.delete("/subjects/{subject}/versions/{version}")
async def delete_version(
    registry: RegistryDep, subject: ReadSubject, version: VersionParam, _: Governor, permanent: bool = False
) -> int:
    return await deletion.delete_version(registry, subject, version, permanent=permanent)
