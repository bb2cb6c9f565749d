"""`python -m schemaline.runtime.objectstore ensure-bucket`: what the local stack's init job runs."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from schemaline.runtime.objectstore import S3ObjectStore
from schemaline.runtime.objectstore.__main__ import main


@pytest.mark.moto
async def test_creates_missing_buckets_and_accepts_existing_ones(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEMALINE_OBJECTS__KIND", "s3")
    monkeypatch.setenv("SCHEMALINE_OBJECTS__ENDPOINT_URL", moto_endpoint)
    # main() runs its own event loop: call it from a worker thread, away from the test's loop.
    assert await asyncio.to_thread(main, ["ensure-bucket", "warehouse-init-a", "warehouse-init-b"]) == 0
    assert await asyncio.to_thread(main, ["ensure-bucket", "warehouse-init-a"]) == 0
    async with S3ObjectStore.connect(endpoint_url=moto_endpoint) as s3:
        info = await s3.put_bytes("s3://warehouse-init-b/k", b"x")
        assert info.size == 1


def test_local_kind_creates_the_bucket_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMALINE_OBJECTS__KIND", "local")
    monkeypatch.setenv("SCHEMALINE_OBJECTS__ROOT", str(tmp_path))
    assert main(["ensure-bucket", "warehouse"]) == 0
    assert (tmp_path / "warehouse").is_dir()
