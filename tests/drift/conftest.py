import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from sqlalchemy import select

from schemaline.contracts import EVENT_TYPES, Envelope, Fqid, QuarantineLine, RuleViolation
from schemaline.drift_detector.bootstrap import bootstrap
from schemaline.drift_detector.handlers import Deps
from schemaline.drift_detector.ports import InMemorySchemas
from schemaline.drift_detector.settings import DriftSettings
from schemaline.runtime.bus import EventBus, InMemoryTransport, build_bus
from schemaline.runtime.db import create_engine
from schemaline.runtime.idempotency import processed_events
from schemaline.runtime.objectstore import LocalFolderStore, ObjectStore, S3ObjectStore
from schemaline.runtime.settings import BusSettings

from .test_patch import GOOD, INVOICE

V11 = Fqid.parse("finance.gdp.invoice:v1.1")
V12 = Fqid.parse("finance.gdp.invoice:v1.2")
V12_SCHEMA: dict[str, Any] = INVOICE | {
    "properties": INVOICE["properties"] | {"invoice_region_code": {"type": "string"}}
}


@dataclass
class Harness:
    bus: EventBus
    deps: Deps
    objects: ObjectStore
    metrics: InMemoryMetricReader
    seen: list[Envelope[Any]]

    def published(self, detail_type: str) -> list[Envelope[Any]]:
        return [e for e in self.seen if e.detail_type == detail_type and e.source != "schemaline.test"]

    async def quarantine(self, uri: str, records: list[Any]) -> None:
        lines = [
            QuarantineLine.model_validate(
                {
                    "position": n,
                    "class": "drift",
                    "record": record,
                    "reasons": [RuleViolation(pointer="", rule="additionalProperties", message="unexpected")],
                    "fqid": str(V11),
                    "pipeline_id": "finance_gdp_transform",
                    "run_id": "jr-1",
                    "object_uri": "s3://warehouse/gdp/invoice/part-0.jsonl",
                    "quarantined_at": datetime.now(UTC),
                }
            ).model_dump_json(by_alias=True)
            for n, record in enumerate(records)
        ]
        await self.objects.put_bytes(uri, "\n".join(lines).encode() + b"\n")

    async def until_processed(self, envelope: Envelope[Any]) -> None:
        """Wait until the drift detector has committed its handling of `envelope`."""
        query = select(processed_events).where(processed_events.c.event_id == envelope.id)
        for _ in range(1000):
            async with self.deps.engine.connect() as conn:
                if (await conn.execute(query)).first() is not None:
                    return
            await asyncio.sleep(0.01)
        raise AssertionError(f"{envelope.detail_type} {envelope.id} was never processed")


@dataclass(frozen=True)
class Parts:
    database_url: str
    rabbit: BusSettings | None = None
    moto_endpoint: str | None = None


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param(
            "rabbitmq-postgres-s3", marks=[pytest.mark.rabbitmq, pytest.mark.postgres, pytest.mark.moto]
        ),
    ]
)
def parts(request: pytest.FixtureRequest, tmp_path: Path) -> Parts:
    """The embedded parts on SQLite or PostgreSQL, or the real ones: RabbitMQ, PostgreSQL, moto S3."""
    if request.param == "sqlite":
        return Parts(f"sqlite+aiosqlite:///{tmp_path / 'drift.db'}")
    url: str = request.getfixturevalue("postgres_url")
    if request.param == "postgres":
        return Parts(url)
    return Parts(url, request.getfixturevalue("rabbit_settings"), request.getfixturevalue("moto_endpoint"))


@contextlib.asynccontextmanager
async def _bus_and_store(
    parts: Parts, tmp_path: Path
) -> AsyncIterator[tuple[Callable[[], EventBus], ObjectStore]]:
    if parts.rabbit is None or parts.moto_endpoint is None:
        transport = InMemoryTransport()
        yield (lambda: EventBus(transport)), LocalFolderStore(tmp_path / "objects")
        return
    rabbit = parts.rabbit
    async with S3ObjectStore.connect(endpoint_url=parts.moto_endpoint) as store:
        await store.ensure_bucket("warehouse")
        yield (lambda: build_bus(rabbit)), store


@pytest.fixture
async def harness(parts: Parts, tmp_path: Path) -> AsyncIterator[Harness]:
    async with _bus_and_store(parts, tmp_path) as (new_bus, objects):
        bus, observer = new_bus(), new_bus()
        seen: list[Envelope[Any]] = []

        async def record(envelope: Envelope[Any]) -> None:
            seen.append(envelope)

        observer.subscribe("observer", list(EVENT_TYPES), record)
        await observer.start()
        reader = InMemoryMetricReader()
        service, deps = bootstrap(
            DriftSettings(),
            schemas=InMemorySchemas({V11: INVOICE, V12: V12_SCHEMA}),
            objects=objects,
            bus=bus,
            engine=create_engine(parts.database_url),
            meter_provider=MeterProvider(metric_readers=[reader]),
        )
        async with service.running():
            yield Harness(bus, deps, objects, reader, seen)
        await observer.close()


__all__ = ["GOOD", "V11", "V12", "Harness"]
