"""What the drift detector needs from the outside world, as ports with in-memory fakes beside them."""

from __future__ import annotations

from typing import Any, Protocol

from schemaline.contracts import Fqid


class SchemaSource(Protocol):
    """Published schemas by exact FQID (the Schema Resolver SDK in production)."""

    async def schema(self, fqid: Fqid) -> dict[str, Any]: ...


class Objects(Protocol):
    """Whole small objects by URI (quarantine files and re-run batches)."""

    async def get_bytes(self, uri: str) -> bytes: ...

    async def put_bytes(self, uri: str, data: bytes) -> None: ...


class InMemorySchemas:
    def __init__(self, schemas: dict[Fqid, dict[str, Any]] | None = None) -> None:
        self.schemas = dict(schemas or {})

    async def schema(self, fqid: Fqid) -> dict[str, Any]:
        return self.schemas[fqid]


class InMemoryObjects:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    async def get_bytes(self, uri: str) -> bytes:
        return self.objects[uri]

    async def put_bytes(self, uri: str, data: bytes) -> None:
        self.objects[uri] = data
