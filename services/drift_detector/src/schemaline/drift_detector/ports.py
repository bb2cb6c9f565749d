"""What the drift detector needs to know about schemas, as a port with an in-memory fake beside it."""

from __future__ import annotations

from typing import Any, Protocol

from schemaline.contracts import Fqid


class SchemaSource(Protocol):
    """Published schemas by exact FQID (the Schema Resolver SDK in production)."""

    async def schema(self, fqid: Fqid) -> dict[str, Any]: ...


class InMemorySchemas:
    def __init__(self, schemas: dict[Fqid, dict[str, Any]] | None = None) -> None:
        self.schemas = dict(schemas or {})

    async def schema(self, fqid: Fqid) -> dict[str, Any]:
        return self.schemas[fqid]
