"""What only the local-folder adapter does: file:// URIs and where objects land on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemaline.runtime.objectstore import InvalidObjectUri, LocalFolderStore, ObjectUri, S3ObjectStore


async def test_s3_uris_live_under_the_root(tmp_path: Path) -> None:
    store = LocalFolderStore(tmp_path)
    await store.put_bytes("s3://warehouse/gdp/part-0.jsonl", b"{}\n")
    assert (tmp_path / "warehouse" / "gdp" / "part-0.jsonl").read_bytes() == b"{}\n"


async def test_file_uris_address_files_directly(tmp_path: Path) -> None:
    store = LocalFolderStore(tmp_path / "root")
    target = tmp_path / "elsewhere" / "data file.jsonl"
    uri = str(ObjectUri.file(str(target)))
    assert uri.startswith("file:///")
    assert "%20" in uri
    await store.put_bytes(uri, b"abc")
    assert target.read_bytes() == b"abc"
    assert await store.get_bytes(uri) == b"abc"
    prefix = str(ObjectUri.file(str(tmp_path / "elsewhere"))) + "/"
    assert [info.uri async for info in store.list(prefix)] == [uri]


async def test_partial_files_of_writes_in_progress_are_not_listed(tmp_path: Path) -> None:
    store = LocalFolderStore(tmp_path)
    await store.put_bytes("s3://b/k/done", b"1")
    (tmp_path / "b" / "k" / f".next.{'0' * 32}.partial").write_bytes(b"half")
    assert [info.uri async for info in store.list("s3://b/k/")] == ["s3://b/k/done"]


async def test_the_s3_store_addresses_s3_uris_only() -> None:
    store = S3ObjectStore(client=None)
    with pytest.raises(InvalidObjectUri):
        await store.put_bytes("file:///tmp/x", b"x")
