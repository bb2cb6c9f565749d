"""The validator service on two stacks: embedded (in-process bus, local folder) and real (RabbitMQ,
a moto server's S3). The same tests run on both."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from schemaline.contracts import (
    BatchLanded,
    Envelope,
    Fqid,
    PipelineFailed,
    SchemaContract,
    SchemaDriftDetected,
    SchemaValidated,
    new_envelope,
)
from schemaline.runtime.bus import EventBus, InMemoryTransport, build_bus
from schemaline.runtime.objectstore import LocalFolderStore, ObjectStore, S3ObjectStore
from schemaline.runtime.service import start
from schemaline.runtime.settings import BusSettings
from schemaline.validator.ports import InMemoryCatalog
from schemaline.validator.settings import ValidatorSettings
from schemaline.validator.spec import SPEC
from tests.support.invoices import GDP_INVOICE_V1_1, gdp_invoice_v1_2

V11 = Fqid.parse("finance.gdp.invoice:v1.1")
V12 = Fqid.parse("finance.gdp.invoice:v1.2")
VERDICTS = [SchemaValidated.DETAIL_TYPE, SchemaDriftDetected.DETAIL_TYPE, PipelineFailed.DETAIL_TYPE]


@dataclass
class Stack:
    bus: EventBus
    objects: ObjectStore
    catalog: InMemoryCatalog
    verdicts: list[Envelope[Any]] = field(default_factory=list)

    async def land(self, uri: str, data: bytes | None, run: str = "jr-1", **extra: Any) -> Envelope[Any]:
        """Write the batch (unless None), publish BatchLanded, return the one verdict for it."""
        if data is not None:
            await self.objects.put_bytes(uri, data)
        fields = {
            "pipeline_id": "finance_gdp_transform",
            "run_id": run,
            "layer": "gdp",
            "declared_fqid": str(V11),
            "object_uri": uri,
        } | extra
        landed = new_envelope(BatchLanded.model_validate(fields), source="test")
        await self.bus.publish(landed)
        async with asyncio.timeout(15):
            while True:
                mine = [v for v in self.verdicts if v.detail.meta.causation_id == landed.id]
                if mine:
                    await asyncio.sleep(0.05)  # a second verdict would show up now
                    mine = [v for v in self.verdicts if v.detail.meta.causation_id == landed.id]
                    assert len(mine) == 1, f"expected exactly one verdict, got {mine}"
                    return mine[0]
                await asyncio.sleep(0.01)


def catalog() -> InMemoryCatalog:
    result = InMemoryCatalog()
    result.add(V11, GDP_INVOICE_V1_1)
    result.add(V12, gdp_invoice_v1_2())
    result.contracts[("finance_gdp_transform", V11.subject.layer)] = SchemaContract.model_validate(
        {
            "pipeline_id": "finance_gdp_transform",
            "layer": "gdp",
            "component": "glue",
            "schema_selector": f"{V11.subject}:^1",  # the tests declare v1.1, v1.2 and ^1
            "integration_mode": "in_process",
            "validation_timing": "pre_job_post_transform",
            "policy": {"max_invalid_ratio": 0.1, "on_drift": "quarantine"},
        }
    )
    return result


@dataclass(frozen=True)
class Real:
    rabbit: BusSettings
    moto_endpoint: str


@pytest.fixture(params=["embedded", pytest.param("real", marks=[pytest.mark.rabbitmq, pytest.mark.moto])])
def parts(request: pytest.FixtureRequest) -> Real | None:
    """None for the embedded stack; the real services' coordinates otherwise."""
    if request.param == "embedded":
        return None
    return Real(request.getfixturevalue("rabbit_settings"), request.getfixturevalue("moto_endpoint"))


@contextlib.asynccontextmanager
async def open_parts(real: Real | None, tmp_path: Path) -> AsyncIterator[tuple[EventBus, ObjectStore]]:
    """A bus for the test's own publishing and observing, and the object store."""
    if real is None:
        yield EventBus(InMemoryTransport()), LocalFolderStore(tmp_path / "objects")
        return
    async with S3ObjectStore.connect(endpoint_url=real.moto_endpoint) as store:
        await store.ensure_bucket("warehouse")
        yield build_bus(real.rabbit), store


def service_on(real: Real | None, bus: EventBus) -> dict[str, Any]:
    """How the service under test joins the test's bus: the same in-memory transport, or the broker."""
    if real is None:
        return {"settings": ValidatorSettings(), "transport": bus.transport}
    return {"settings": ValidatorSettings(bus=real.rabbit)}


@pytest.fixture
async def stack(parts: Real | None, tmp_path: Path) -> AsyncIterator[Stack]:
    async with open_parts(parts, tmp_path) as (bus, objects):
        the_catalog = catalog()
        result = Stack(bus, objects, the_catalog)

        async def record(envelope: Envelope[Any]) -> None:
            result.verdicts.append(envelope)

        bus.subscribe("ops", VERDICTS, record)
        await bus.start()
        async with start(SPEC, **service_on(parts, bus), catalog=the_catalog, objects=objects):
            yield result
        await bus.close()
