"""What the drift detector needs to know about schemas, as a port with an in-memory fake beside it."""

from __future__ import annotations

from typing import Any, Protocol

from schemaline.contracts import Fqid, Selector
from schemaline.sdk.resolver import AsyncSchemaResolver


class SchemaSource(Protocol):
    """Published schemas by exact FQID (the Schema Resolver SDK in production)."""

    async def schema(self, fqid: Fqid) -> dict[str, Any]: ...


class InMemorySchemas:
    def __init__(self, schemas: dict[Fqid, dict[str, Any]] | None = None) -> None:
        self.schemas = dict(schemas or {})

    async def schema(self, fqid: Fqid) -> dict[str, Any]:
        return self.schemas[fqid]


class ResolverSchemas:
    """The port over the Schema Resolver SDK's cache."""

    def __init__(self, resolver: AsyncSchemaResolver) -> None:
        self._resolver = resolver

    async def schema(self, fqid: Fqid) -> dict[str, Any]:
        resolved = await self._resolver.resolve(Selector.exact(fqid))
        schema: dict[str, Any] = resolved.schema
        return schema
