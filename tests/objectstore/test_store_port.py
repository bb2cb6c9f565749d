"""One suite for the object store port, run against every adapter: local folder and S3 (moto)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from schemaline.runtime.objectstore import (
    InvalidObjectUri,
    LocalFolderStore,
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    S3ObjectStore,
)

MIB = 1024 * 1024


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.moto)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ObjectStore]:
    if request.param == "local":
        yield LocalFolderStore(tmp_path / "objects")
        return
    endpoint: str = request.getfixturevalue("moto_endpoint")
    async with S3ObjectStore.connect(endpoint_url=endpoint, part_size=5 * MIB) as s3:
        yield s3


@pytest.fixture
async def bucket(store: ObjectStore) -> str:
    """A fresh bucket per test (created where the store needs buckets created)."""
    name = f"b-{uuid.uuid4().hex[:12]}"
    if isinstance(store, S3ObjectStore):
        await store.ensure_bucket(name)
    return name


async def chunked(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def listed(store: ObjectStore, prefix: str) -> list[ObjectInfo]:
    return [info async for info in store.list(prefix)]


async def test_put_bytes_then_read_them_back(store: ObjectStore, bucket: str) -> None:
    uri = f"s3://{bucket}/raw/2025/10/07/part-0.jsonl"
    info = await store.put_bytes(uri, b'{"a": 1}\n')
    assert info == ObjectInfo(uri, 9)
    assert await store.get_bytes(uri) == b'{"a": 1}\n'
    assert await store.exists(uri)


async def test_put_replaces_an_existing_object(store: ObjectStore, bucket: str) -> None:
    uri = f"s3://{bucket}/k"
    await store.put_bytes(uri, b"old")
    await store.put_bytes(uri, b"new!")
    assert await store.get_bytes(uri) == b"new!"


async def test_a_big_stream_is_written_and_read_back_in_chunks(store: ObjectStore, bucket: str) -> None:
    data = bytes(range(256)) * (12 * MIB // 256) + b"tail"  # more than two 5 MiB parts
    uri = f"s3://{bucket}/big/object.bin"
    info = await store.put_stream(uri, chunked(data, 700_000))
    assert info.size == len(data)
    async with await store.open(uri, chunk_size=MIB) as reader:
        assert reader.size == len(data)
        sizes = []
        received = bytearray()
        async for chunk in reader:
            sizes.append(len(chunk))
            received += chunk
    assert bytes(received) == data
    assert max(sizes) <= MIB
    assert len(sizes) >= 12


async def test_a_stream_may_be_a_plain_iterable_or_empty(store: ObjectStore, bucket: str) -> None:
    await store.put_stream(f"s3://{bucket}/a", [b"x", b"y"])
    await store.put_stream(f"s3://{bucket}/empty", [])
    assert await store.get_bytes(f"s3://{bucket}/a") == b"xy"
    assert await store.get_bytes(f"s3://{bucket}/empty") == b""


async def test_a_failing_stream_leaves_no_object(store: ObjectStore, bucket: str) -> None:
    uri = f"s3://{bucket}/broken"

    async def failing() -> AsyncIterator[bytes]:
        yield b"x" * (6 * MIB)
        raise RuntimeError("source went away")

    with pytest.raises(RuntimeError):
        await store.put_stream(uri, failing())
    assert not await store.exists(uri)
    assert await listed(store, f"s3://{bucket}/") == []


async def test_a_missing_object_raises_object_not_found(store: ObjectStore, bucket: str) -> None:
    uri = f"s3://{bucket}/nope.jsonl"
    assert not await store.exists(uri)
    with pytest.raises(ObjectNotFound) as caught:
        await store.open(uri)
    assert caught.value.uri == uri
    with pytest.raises(ObjectNotFound):
        await store.get_bytes(f"s3://missing-{bucket}/k")


async def test_list_under_a_prefix_in_key_order(store: ObjectStore, bucket: str) -> None:
    for key in ("q/p1/run-2/b", "q/p1/run-1/a", "q/p1/run-10/c", "q/p2/run-1/d", "other"):
        await store.put_bytes(f"s3://{bucket}/{key}", key.encode())
    assert [i.uri for i in await listed(store, f"s3://{bucket}/q/p1/")] == [
        f"s3://{bucket}/q/p1/run-1/a",
        f"s3://{bucket}/q/p1/run-10/c",
        f"s3://{bucket}/q/p1/run-2/b",
    ]
    assert [i.uri for i in await listed(store, f"s3://{bucket}/q/p1/run-1")] == [
        f"s3://{bucket}/q/p1/run-1/a",
        f"s3://{bucket}/q/p1/run-10/c",
    ]
    assert [i.size for i in await listed(store, f"s3://{bucket}/oth")] == [5]
    assert await listed(store, f"s3://{bucket}/nothing/") == []
    assert await listed(store, f"s3://missing-{bucket}/") == []


@pytest.mark.parametrize(
    "uri", ["http://x/y", "s3:///key", "s3://bucket", "s3://bucket/a/../b", "s3://bucket/a//b", "s3://b/dir/"]
)
async def test_uris_the_store_cannot_address_are_rejected(store: ObjectStore, uri: str) -> None:
    with pytest.raises(InvalidObjectUri):
        await store.put_bytes(uri, b"x")
