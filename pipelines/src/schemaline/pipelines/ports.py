"""What a pipeline stage needs from the world, as Protocols the runtime's and SDK's parts satisfy."""

from __future__ import annotations

from typing import Any, Protocol

from schemaline.contracts import Envelope, Fqid, Selector


class Blobs(Protocol):
    """Objects by URI (`s3://bucket/key`); `schemaline.runtime.objectstore.ObjectStore` is one."""

    async def get_bytes(self, uri: str) -> bytes:
        """The whole object; raises (the store's `ObjectNotFound`, a `LookupError`) when missing."""
        ...

    async def put_bytes(self, uri: str, data: bytes) -> object:
        """Write (or replace) an object atomically."""
        ...


class Publisher(Protocol):
    """Emits events; `schemaline.runtime.bus.EventBus` is one."""

    async def publish(self, envelope: Envelope[Any]) -> None: ...


class Resolved(Protocol):
    """An exact schema version and its document (the SDK's `ResolvedSchema` is one)."""

    @property
    def fqid(self) -> Fqid: ...

    @property
    def schema(self) -> Any: ...


class PinnedSchemas(Protocol):
    """One run's view of the registry: a selector resolves once, then always to the same version."""

    async def resolve(self, selector: Selector | str) -> Resolved: ...


class SchemaSource(Protocol):
    """Hands out per-run pins; the SDK's `AsyncSchemaResolver` is one, `SeedSchemas` another.

    `resolve` raises `PipeError` (PIPE-1001) when the registry cannot be reached and
    `LookupError` when no published version matches.
    """

    def pin(self) -> PinnedSchemas: ...
