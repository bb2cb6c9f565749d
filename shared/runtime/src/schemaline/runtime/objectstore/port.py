"""The object store port: what services need from S3, honoured by every adapter."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

DEFAULT_CHUNK_SIZE = 1 << 20


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    uri: str
    size: int


class ObjectReader:
    """An open object, read as an async stream of chunks. Close it (or use `async with`)."""

    def __init__(
        self, uri: str, size: int, chunks: AsyncIterator[bytes], close: Callable[[], Awaitable[None]]
    ) -> None:
        self.uri = uri
        self.size = size
        self._chunks = chunks
        self._close = close
        self._closed = False

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks

    async def read_all(self) -> bytes:
        return b"".join([chunk async for chunk in self._chunks])

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self._close()

    async def __aenter__(self) -> ObjectReader:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class ObjectStore(Protocol):
    """Objects addressed by URI (`s3://bucket/key`, or `file:///path` where the adapter allows).

    Writes are atomic: a reader sees the whole object or none of it. A missing object raises
    `ObjectNotFound`; one it refuses to give (access denied, archived, the store failing) raises
    `ObjectUnreadable`; a URI the store cannot address raises `InvalidObjectUri`.
    """

    async def put_bytes(self, uri: str, data: bytes) -> ObjectInfo:
        """Write (or replace) an object."""

    async def put_stream(self, uri: str, chunks: AsyncIterable[bytes] | Iterable[bytes]) -> ObjectInfo:
        """Write an object from a stream without holding it all in memory."""

    async def open(self, uri: str, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> ObjectReader:
        """Open an object for streaming reads of at most `chunk_size` bytes per chunk."""

    async def get_bytes(self, uri: str) -> bytes:
        """The whole object (for small objects)."""

    async def exists(self, uri: str) -> bool:
        """Whether an object is at this URI."""

    def list(self, prefix: str) -> AsyncIterator[ObjectInfo]:
        """Objects whose URI starts with `prefix` (a string prefix, as in S3), in key order."""
