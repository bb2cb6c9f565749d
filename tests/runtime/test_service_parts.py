"""What the runtime opens for a spec, beyond the bus and the database: the object store its settings
name, for a spec that asks for one, or the store a test gives `start`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from schemaline.runtime.handling import Handlers
from schemaline.runtime.objectstore import LocalFolderStore, ObjectStore
from schemaline.runtime.service import Parts, ServiceSpec, start
from schemaline.runtime.settings import ObjectStoreSettings, ServiceSettings


@contextlib.asynccontextmanager
async def parts_as_deps(parts: Parts[ServiceSettings]) -> AsyncIterator[Parts[ServiceSettings]]:
    yield parts


def spec(*, objects: bool) -> ServiceSpec[ServiceSettings, Parts[ServiceSettings]]:
    return ServiceSpec(
        name="objects-test",
        settings=ServiceSettings,
        handlers=Handlers[Parts[ServiceSettings]](),
        open=parts_as_deps,
        objects=objects,
    )


def settings(root: Path) -> ServiceSettings:
    return ServiceSettings(objects=ObjectStoreSettings(kind="local", root=str(root)))


async def test_a_spec_that_asks_gets_the_store_its_settings_name(tmp_path: Path) -> None:
    async with start(spec(objects=True), settings(tmp_path / "objects")) as running:
        store: ObjectStore = running.deps.objects()
        await store.put_bytes("s3://warehouse/a.jsonl", b"{}\n")
    assert (tmp_path / "objects" / "warehouse" / "a.jsonl").read_bytes() == b"{}\n"


async def test_a_store_given_to_start_stands_in_for_the_settings_one(tmp_path: Path) -> None:
    given = LocalFolderStore(tmp_path / "given")
    async with start(spec(objects=True), settings(tmp_path / "named"), objects=given) as running:
        assert running.deps.objects() is given


async def test_a_spec_that_does_not_ask_has_no_store(tmp_path: Path) -> None:
    async with start(spec(objects=False), settings(tmp_path / "objects")) as running:
        with pytest.raises(TypeError, match="no object store"):
            running.deps.objects()
