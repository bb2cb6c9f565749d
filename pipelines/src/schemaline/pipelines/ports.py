"""What a pipeline stage needs from the world, as Protocols the runtime's and SDK's parts satisfy."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable
from typing import Any, Protocol

from schemaline.contracts import Envelope, Fqid, Layer, PipelineId, SchemaContract, Selector


class ChunkReader(Protocol):
    """An open object, read as an async stream of chunks; closed with `aclose()`."""

    def __aiter__(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class Blobs(Protocol):
    """Objects by URI (`s3://bucket/key`); `schemaline.runtime.objectstore.ObjectStore` is one.

    A missing object raises the store's `ObjectNotFound`, a `LookupError`.
    """

    async def get_bytes(self, uri: str) -> bytes:
        """The whole object (small objects: the extractor's batch)."""
        ...

    async def put_bytes(self, uri: str, data: bytes) -> object:
        """Write (or replace) an object atomically."""
        ...

    async def open(self, uri: str) -> ChunkReader:
        """Open an object to stream it, chunk by chunk (Glue jobs: objects of any size)."""
        ...

    async def put_stream(self, uri: str, chunks: AsyncIterable[bytes] | Iterable[bytes]) -> object:
        """Write an object from a stream, without holding it in memory."""
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


class ContractSource(Protocol):
    """Stage contracts as the registry holds them; the SDK's `AsyncContractResolver` is one (cached,
    refresh-ahead, stale-if-error), `SeedContracts` another. None: no contract is registered.

    `contract` raises `PipeError` (PIPE-1001) when the registry cannot be reached and nothing is cached;
    `fresh=True` asks the registry even when a cached copy is fresh.
    """

    async def contract(
        self, pipeline_id: PipelineId, layer: Layer, *, fresh: bool = False
    ) -> SchemaContract | None: ...
