from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from schemaline.contracts import Envelope, Fqid, QuarantineLine, RuleViolation
from schemaline.drift_detector.bootstrap import bootstrap
from schemaline.drift_detector.handlers import Deps
from schemaline.drift_detector.ports import InMemorySchemas
from schemaline.drift_detector.settings import DriftSettings
from schemaline.runtime.bus import EventBus, InMemoryTransport
from schemaline.runtime.db import create_engine
from schemaline.runtime.objectstore import LocalFolderStore
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
    transport: InMemoryTransport
    deps: Deps
    objects: LocalFolderStore
    metrics: InMemoryMetricReader

    def published(self, detail_type: str) -> list[Envelope[Any]]:
        return [
            e
            for e in self.transport.events()
            if e.detail_type == detail_type and e.source != "schemaline.test"
        ]

    def quarantine(self, uri: str, records: list[Any]) -> None:
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
        path = self.objects.path_of(uri)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes("\n".join(lines).encode() + b"\n")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'drift.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def harness(database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    transport = InMemoryTransport()
    bus = EventBus(transport)
    objects = LocalFolderStore(tmp_path / "objects")
    reader = InMemoryMetricReader()
    settings = DriftSettings(bus=BusSettings(transport="memory"))
    service, deps = bootstrap(
        settings,
        schemas=InMemorySchemas({V11: INVOICE, V12: V12_SCHEMA}),
        objects=objects,
        bus=bus,
        engine=create_engine(database_url),
        meter_provider=MeterProvider(metric_readers=[reader]),
    )
    async with service.running():
        yield Harness(bus, transport, deps, objects, reader)


__all__ = ["GOOD", "V11", "V12", "Harness"]
