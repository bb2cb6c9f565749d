"""Read use cases of the Confluent view: subjects, versions, schemas by id, lookup."""

from __future__ import annotations

import asyncio

from schemaline.contracts import Subject
from schemaline.registry.compat import parse_candidate
from schemaline.registry.confluent import errors
from schemaline.registry.confluent.errors import ConfluentError
from schemaline.registry.confluent.requests import SchemaIn
from schemaline.registry.confluent.store import Registered, content_key
from schemaline.registry.errors import InvalidSchemaError
from schemaline.registry.model import Reference
from schemaline.registry.service import Registry


async def subjects(registry: Registry, *, deleted: bool) -> list[str]:
    async with registry.repo.transaction() as tx:
        return await tx.confluent.subjects(deleted=deleted)


async def versions(registry: Registry, subject: Subject, *, deleted: bool) -> list[int]:
    async with registry.repo.transaction() as tx:
        found = await tx.confluent.versions(subject, deleted=deleted)
    if not found:
        raise errors.subject_not_found(str(subject))
    return [version.number for version in found]


async def version(registry: Registry, subject: Subject, number: int | None, *, deleted: bool) -> Registered:
    async with registry.repo.transaction() as tx:
        found = await tx.confluent.version(subject, number, deleted=deleted)
        if found is None and not await tx.confluent.versions(subject, deleted=True):
            raise errors.subject_not_found(str(subject))
    if found is None:
        raise errors.version_not_found(str(subject), number if number is not None else "latest")
    return found


async def schema(registry: Registry, schema_id: int) -> tuple[str, tuple[Reference, ...]]:
    async with registry.repo.transaction() as tx:
        found = await tx.confluent.by_schema_id(schema_id)
    if found is None:
        raise errors.schema_not_found(f"Schema {schema_id} not found")
    return found


async def uses(registry: Registry, schema_id: int, *, deleted: bool) -> list[Registered]:
    async with registry.repo.transaction() as tx:
        if await tx.confluent.by_schema_id(schema_id) is None:
            raise errors.schema_not_found(f"Schema {schema_id} not found")
        return await tx.confluent.uses_of(schema_id, deleted=deleted)


async def candidate_key(body: SchemaIn) -> tuple[str, str]:
    """The normalized text and the content key of what a client sent."""
    try:
        candidate = await asyncio.to_thread(parse_candidate, body.document())
    except InvalidSchemaError as exc:
        raise errors.invalid_schema(f"{exc.message} (at {exc.pointer or '/'})") from None
    return candidate.normalized, content_key(candidate.normalized, body.parsed_references())


async def lookup(registry: Registry, subject: Subject, body: SchemaIn, *, deleted: bool) -> Registered:
    """The version of `subject` with this content (`POST /subjects/{s}`)."""
    _text, key = await candidate_key(body)
    async with registry.repo.transaction() as tx:
        found = await tx.confluent.by_content(subject, key)
        if found is None and not await tx.confluent.versions(subject, deleted=True):
            raise errors.subject_not_found(str(subject))
    if found is None or (found.deleted and not deleted):
        raise errors.schema_not_found()
    return found


async def referenced_by(registry: Registry, subject: Subject, number: int | None) -> list[int]:
    target = await version(registry, subject, number, deleted=True)
    async with registry.repo.transaction() as tx:
        return await tx.confluent.referenced_by(subject, target.number)


__all__ = ["ConfluentError", "lookup", "referenced_by", "schema", "subjects", "uses", "version", "versions"]
