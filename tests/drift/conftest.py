import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.contracts import EVENT_TYPES, Envelope, Fqid, QuarantineLine, RuleViolation
from schemaline.drift_detector.handlers import Deps
from schemaline.drift_detector.ports import InMemorySchemas
from schemaline.drift_detector.settings import DriftSettings
from schemaline.drift_detector.spec import SPEC
from schemaline.runtime.bus import EventBus, InMemoryTransport, build_bus
from schemaline.runtime.objectstore import LocalFolderStore, ObjectStore, S3ObjectStore
from schemaline.runtime.service import start
from schemaline.runtime.settings import BusSettings, DatabaseSettings
from schemaline.runtime.tables import processed_events

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
    engine: AsyncEngine
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
            async with self.engine.connect() as conn:
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
) -> AsyncIterator[tuple[EventBus, BusSettings, ObjectStore]]:
    """The test's own bus (the service joins it through the same transport or broker) and the store."""
    if parts.rabbit is None or parts.moto_endpoint is None:
        yield EventBus(InMemoryTransport()), BusSettings(), LocalFolderStore(tmp_path / "objects")
        return
    async with S3ObjectStore.connect(endpoint_url=parts.moto_endpoint) as store:
        await store.ensure_bucket("warehouse")
        yield build_bus(parts.rabbit), parts.rabbit, store


@pytest.fixture
async def harness(parts: Parts, tmp_path: Path) -> AsyncIterator[Harness]:
    async with _bus_and_store(parts, tmp_path) as (bus, bus_settings, objects):
        seen: list[Envelope[Any]] = []

        async def record(envelope: Envelope[Any]) -> None:
            seen.append(envelope)

        bus.subscribe("observer", list(EVENT_TYPES), record)
        await bus.start()
        reader = InMemoryMetricReader()
        settings = DriftSettings(
            bus=bus_settings,
            database=DatabaseSettings(url=SecretStr(parts.database_url), migrate_on_start=True),
        )
        shared = bus.transport if parts.rabbit is None else None
        async with start(
            SPEC,
            settings,
            transport=shared,
            schemas=InMemorySchemas({V11: INVOICE, V12: V12_SCHEMA}),
            objects=objects,
            meter_provider=MeterProvider(metric_readers=[reader]),
        ) as running:
            assert running.engine is not None
            yield Harness(bus, running.deps, running.engine, objects, reader, seen)
        await bus.close()


__all__ = ["GOOD", "V11", "V12", "Harness"]
