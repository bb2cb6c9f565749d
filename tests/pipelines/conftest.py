"""Stage parts for pipeline tests: a local folder store, the in-memory bus, the seed's schemas —
and, for the tests that take `stack`, the same on RabbitMQ and a moto server's S3."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from schemaline.contracts import Envelope
from schemaline.pipelines.deps import StageDeps
from schemaline.pipelines.seed import SeedSchemas
from schemaline.runtime.bus import EventBus, InMemoryTransport, build_bus
from schemaline.runtime.objectstore import LocalFolderStore, ObjectStore, S3ObjectStore
from schemaline.runtime.settings import BusSettings


@dataclass
class Parts:
    deps: StageDeps
    store: ObjectStore
    bus: EventBus
    schemas: SeedSchemas
    bus_settings: BusSettings

    def service_bus(self) -> dict[str, Any]:
        """How a service joins this bus: the same in-memory transport, or the same broker."""
        if self.bus_settings.transport == "memory":
            return {"transport": self.bus.transport}
        return {}

    def events(self, detail_type: str | None = None) -> list[Envelope[Any]]:
        transport = self.bus.transport
        assert isinstance(transport, InMemoryTransport), "published events are recorded in memory only"
        return [e for e in transport.events() if detail_type is None or e.detail_type == detail_type]


def make_parts(root: Path, rabbit: BusSettings | None = None, store: ObjectStore | None = None) -> Parts:
    bus_settings = rabbit or BusSettings()
    bus = build_bus(rabbit) if rabbit is not None else EventBus(InMemoryTransport())
    store = store or LocalFolderStore(root)
    schemas = SeedSchemas()
    deps = StageDeps(objects=store, publisher=bus, schemas=schemas)
    return Parts(deps, store, bus, schemas, bus_settings)


@pytest.fixture
def parts(tmp_path: Path) -> Parts:
    return make_parts(tmp_path / "objects")


@dataclass(frozen=True)
class Real:
    rabbit: BusSettings
    moto_endpoint: str


@pytest.fixture(params=["embedded", pytest.param("real", marks=[pytest.mark.rabbitmq, pytest.mark.moto])])
def real(request: pytest.FixtureRequest) -> Real | None:
    """None for the embedded default; RabbitMQ's and the moto server's coordinates otherwise."""
    if request.param == "embedded":
        return None
    return Real(request.getfixturevalue("rabbit_settings"), request.getfixturevalue("moto_endpoint"))


@pytest.fixture
async def stack(real: Real | None, tmp_path: Path) -> AsyncIterator[Parts]:
    """Parts on the embedded default, then on RabbitMQ and S3 (a missing broker fails the test)."""
    if real is None:
        yield make_parts(tmp_path / "objects")
        return
    async with S3ObjectStore.connect(endpoint_url=real.moto_endpoint) as store:
        await store.ensure_bucket("warehouse")
        yield make_parts(tmp_path, real.rabbit, store)
