"""`/compatibility/…`: dry runs; nothing is registered."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from schemaline.registry.api.confluent.auth import LimitedReader
from schemaline.registry.api.confluent.params import ReadSubject, RegistryDep, VersionParam
from schemaline.registry.confluent.checks import CheckOutcome, check
from schemaline.registry.confluent.requests import SchemaIn

router = APIRouter(tags=["compatibility"])


def _answer(outcome: CheckOutcome, verbose: bool) -> dict[str, Any]:
    if not verbose:
        return {"is_compatible": outcome.compatible}
    # `changes` is ours: each change with its type, node path and keyword pointer
    return {
        "is_compatible": outcome.compatible,
        "messages": outcome.messages(),
        "changes": outcome.changes_json(),
    }


@router.post("/compatibility/subjects/{subject}/versions/{version}")
async def against_version(
    registry: RegistryDep,
    subject: ReadSubject,
    version: VersionParam,
    body: SchemaIn,
    _: LimitedReader,
    verbose: bool = False,
) -> dict[str, Any]:
    """The candidate against one version (`latest` included), in the level's direction(s)."""
    return _answer(await check(registry, subject, body, version, one=True), verbose)


@router.post("/compatibility/subjects/{subject}/versions")
async def against_level(
    registry: RegistryDep, subject: ReadSubject, body: SchemaIn, _: LimitedReader, verbose: bool = False
) -> dict[str, Any]:
    """The candidate against the versions its subject's level compares (all of them if transitive)."""
    return _answer(await check(registry, subject, body, None, one=False), verbose)
