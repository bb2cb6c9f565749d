"""Competing validator replicas on one queue (RabbitMQ, or EventBridge → SQS) keep every run on the
schema version its first batch pinned, across a restart and a hop between replicas (pins in the
shared PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from schemaline.contracts import BatchLanded, Envelope, RunId, Selector, new_envelope
from schemaline.runtime.bus import EventBus, build_bus
from schemaline.runtime.objectstore import LocalFolderStore
from schemaline.runtime.service import start
from schemaline.runtime.settings import BusSettings
from schemaline.validator.pins import open_pins
from schemaline.validator.ports import InMemoryCatalog, ResolvedSchema
from schemaline.validator.settings import ValidatorSettings
from schemaline.validator.spec import SPEC
from tests.support.invoices import invoice, jsonl

from .conftest import V12, VERDICTS, catalog

pytestmark = pytest.mark.postgres
BATCH = "s3://warehouse/gdp/invoice/batch.jsonl"


@pytest.fixture(
    params=[pytest.param("rabbitmq", marks=pytest.mark.rabbitmq), pytest.param("sqs", marks=pytest.mark.moto)]
)
def bus_settings(request: pytest.FixtureRequest) -> BusSettings:
    """One queue the replicas compete on; one message in flight each, so deliveries alternate."""
    if request.param == "rabbitmq":
        rabbit: BusSettings = request.getfixturevalue("rabbit_settings")
        return rabbit.model_copy(update={"prefetch": 1})
    tag = uuid.uuid4().hex[:10]
    return BusSettings(
        transport="eventbridge",
        event_bus=f"test-{tag}-events",
        queue_prefix=f"test-{tag}",
        aws_endpoint_url=request.getfixturevalue("moto_endpoint"),
        retry_backoff_s=0.01,
        wait_time_s=1,
        visibility_timeout_s=5,
        prefetch=1,
    )


class Replica:
    """One validator replica: its own catalog (the registry as it sees it), counting what it resolves."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.catalog = catalog()
        self.handled: Counter[str] = Counter()


@contextlib.asynccontextmanager
async def running(
    replica: Replica, bus_settings: BusSettings, store: LocalFolderStore, pins_url: str
) -> AsyncIterator[Replica]:
    async with open_pins(pins_url) as pins:
        shared = InMemoryCatalog(pins)
        shared.schemas, shared.contracts = replica.catalog.schemas, replica.catalog.contracts
        resolve = shared.resolve

        async def counted(selector: Selector, run_id: RunId) -> ResolvedSchema:
            replica.handled[run_id] += 1
            return await resolve(selector, run_id)

        shared.resolve = counted  # type: ignore[method-assign]
        settings = ValidatorSettings(bus=bus_settings)
        async with start(SPEC, settings, engine=pins.engine, catalog=shared, objects=store):
            yield replica


class Observer:
    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self.verdicts: dict[str, Envelope[Any]] = {}
        self.arrived = asyncio.Event()

    async def record(self, envelope: Envelope[Any]) -> None:
        self.verdicts[str(envelope.detail.meta.causation_id)] = envelope
        self.arrived.set()

    async def land(self, run: str, count: int = 1) -> list[str]:
        """Publish `count` BatchLanded of run `run` (declared `^1`); the FQIDs their verdicts used."""
        sent = []
        for _ in range(count):
            fields = {
                "pipeline_id": "finance_gdp_transform",
                "run_id": run,
                "layer": "gdp",
                "declared_fqid": "finance.gdp.invoice:^1",
                "object_uri": BATCH,
            }
            landed = new_envelope(BatchLanded.model_validate(fields), source="test")
            await self.bus.publish(landed)
            sent.append(landed.id)
        async with asyncio.timeout(30):
            while not all(str(i) in self.verdicts for i in sent):
                await self.arrived.wait()
                self.arrived.clear()
        return [str(self.verdicts[str(i)].detail.schema_fqid) for i in sent]


async def test_two_replicas_keep_every_run_on_one_version_across_a_restart(
    bus_settings: BusSettings, postgres_url: str, tmp_path: Path
) -> None:
    store = LocalFolderStore(tmp_path / "objects")
    await store.put_bytes(BATCH, jsonl([invoice(i) for i in range(20)]))
    observer = Observer(build_bus(bus_settings))
    observer.bus.subscribe("ops", VERDICTS, observer.record)
    await observer.bus.start()
    first, second, restarted = Replica("a"), Replica("b"), Replica("a'")
    for replica in (first, second, restarted):
        del replica.catalog.schemas[V12]  # v1.2 is not published yet
    try:
        async with running(first, bus_settings, store, postgres_url):
            assert await observer.land("jr-old") == ["finance.gdp.invoice:v1.1"]
        # v1.2 is published while replica a is down; every replica's registry now says ^1 = v1.2.
        for replica in (first, second, restarted):
            replica.catalog.add(V12, catalog().schemas[V12])
        async with running(second, bus_settings, store, postgres_url):
            assert await observer.land("jr-old") == ["finance.gdp.invoice:v1.1"]  # hopped to b
            assert await observer.land("jr-new") == ["finance.gdp.invoice:v1.2"]
            async with running(restarted, bus_settings, store, postgres_url):
                assert set(await observer.land("jr-old", 10)) == {"finance.gdp.invoice:v1.1"}
                assert set(await observer.land("jr-new", 6)) == {"finance.gdp.invoice:v1.2"}
    finally:
        await observer.bus.close()
    assert first.handled["jr-old"] == 1
    assert second.handled["jr-old"] >= 1
    assert restarted.handled["jr-old"] >= 1, "the restarted replica validated some of the old run"
