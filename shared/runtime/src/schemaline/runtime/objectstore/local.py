"""The local-folder adapter, the embedded default: `s3://bucket/key` lives at `ROOT/bucket/key`.

`file:///absolute/path` URIs address files directly. Writes go to a hidden partial file in the
same folder, then are renamed into place, so a reader never sees half an object.
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from pathlib import Path
from typing import BinaryIO

from schemaline.runtime.objectstore.errors import ObjectNotFound
from schemaline.runtime.objectstore.port import DEFAULT_CHUNK_SIZE, ObjectInfo, ObjectReader
from schemaline.runtime.objectstore.uri import FILE, ObjectUri

_PARTIAL = re.compile(r"^\..+\.[0-9a-f]{32}\.partial$")


class LocalFolderStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()

    def path_of(self, uri: str) -> Path:
        """The file backing `uri`."""
        return self._path(ObjectUri.parse(uri))

    def _path(self, parsed: ObjectUri) -> Path:
        if parsed.scheme == FILE:
            return Path(parsed.key)
        return self.root / parsed.bucket / parsed.key

    async def put_bytes(self, uri: str, data: bytes) -> ObjectInfo:
        return await self.put_stream(uri, [data])

    async def put_stream(self, uri: str, chunks: AsyncIterable[bytes] | Iterable[bytes]) -> ObjectInfo:
        target = self.path_of(uri)
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
        handle = await asyncio.to_thread(partial.open, "wb")
        size = 0
        try:
            try:
                if isinstance(chunks, AsyncIterable):
                    async for chunk in chunks:
                        size += await asyncio.to_thread(handle.write, chunk)
                else:
                    for chunk in chunks:
                        size += await asyncio.to_thread(handle.write, chunk)
            finally:
                await asyncio.to_thread(handle.close)
            await asyncio.to_thread(os.replace, partial, target)
        except BaseException:
            await asyncio.to_thread(partial.unlink, missing_ok=True)
            raise
        return ObjectInfo(uri, size)

    async def open(self, uri: str, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> ObjectReader:
        path = self.path_of(uri)
        try:
            handle: BinaryIO = await asyncio.to_thread(path.open, "rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise ObjectNotFound(uri) from None
        size = os.fstat(handle.fileno()).st_size

        async def chunks() -> AsyncIterator[bytes]:
            while chunk := await asyncio.to_thread(handle.read, chunk_size):
                yield chunk

        async def close() -> None:
            await asyncio.to_thread(handle.close)

        return ObjectReader(uri, size, chunks(), close)

    async def get_bytes(self, uri: str) -> bytes:
        async with await self.open(uri) as reader:
            return await reader.read_all()

    async def exists(self, uri: str) -> bool:
        return await asyncio.to_thread(self.path_of(uri).is_file)

    async def list(self, prefix: str) -> AsyncIterator[ObjectInfo]:
        parsed = ObjectUri.parse(prefix, prefix=True)
        for info in await asyncio.to_thread(_list_files, self.root, parsed):
            yield info


def _list_files(root: Path, parsed: ObjectUri) -> list[ObjectInfo]:
    if parsed.scheme == FILE:
        base, key_prefix = Path("/"), parsed.key.removeprefix("/")
    else:
        base, key_prefix = root / parsed.bucket, parsed.key
    folder = base / key_prefix.rpartition("/")[0]
    found: list[ObjectInfo] = []
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            if _PARTIAL.match(name):
                continue
            path = Path(dirpath) / name
            key = path.relative_to(base).as_posix()
            if key.startswith(key_prefix):
                uri = (
                    str(ObjectUri.file(str(path))) if parsed.scheme == FILE else f"s3://{parsed.bucket}/{key}"
                )
                found.append(ObjectInfo(uri, path.stat().st_size))
    found.sort(key=lambda info: info.uri)
    return found
