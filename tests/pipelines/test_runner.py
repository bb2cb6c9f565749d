"""The local runner: extractor → raw → gdp → kpi on the in-memory bus and a local folder store,
back to back, and with the validator service running behind the verdict hook."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from schemaline.contracts import (
    BatchLanded,
    Envelope,
    Layer,
    PipeCode,
    PipelineFailed,
    SchemaDriftDetected,
    SchemaValidated,
)
from schemaline.pipelines import jsonl
from schemaline.pipelines.glue import gdp
from schemaline.pipelines.runner import ChainResult, run_chain
from schemaline.pipelines.seed import seed_contracts
from schemaline.pipelines.source import drifted, example_a, example_b, extractor_event
from schemaline.runtime.service import start
from schemaline.validator.ports import InMemoryCatalog
from schemaline.validator.settings import ValidatorSettings
from schemaline.validator.spec import SPEC
from tests.pipelines.conftest import Parts

LAYERS = [Layer.EXTRACTOR, Layer.RAW, Layer.GDP, Layer.KPI]
VERDICTS = [SchemaValidated.DETAIL_TYPE, SchemaDriftDetected.DETAIL_TYPE, PipelineFailed.DETAIL_TYPE]


async def test_back_to_back_runs_every_stage_on_the_previous_output(parts: Parts) -> None:
    records = example_a(30)
    result = await run_chain(extractor_event(records), parts.deps)

    assert result.completed
    assert [stage.layer for stage in result.stages] == LAYERS
    assert len(set(result.run_ids.values())) == 4
    for before, after in zip(result.stages, result.stages[1:], strict=False):
        assert after.input_uri == before.output_uri
    landed = parts.events(BatchLanded.DETAIL_TYPE)
    assert [e.id for e in landed] == [stage.event.id for stage in result.stages]
    assert [str(e.detail.declared_fqid) for e in landed] == [
        "finance.extractor.invoice:v1.0",
        "finance.raw.invoice:v1.0",
        "finance.gdp.invoice:v1.1",
        "finance.kpi.invoice_daily:^1",
    ]
    # Each Glue stage lists what it read beside what it wrote: lineage follows the chain back to landing.
    assert [e.resources for e in landed] == [
        (result.stages[0].output_uri,),
        *[(after.output_uri, before.output_uri) for before, after in itertools.pairwise(result.stages)],
    ]
    assert [stage.records_out for stage in result.stages[:3]] == [30, 30, 30]
    kpi_rows = jsonl.loads(await parts.store.get_bytes(result.stage(Layer.KPI).output_uri or ""))
    not_void = [r for r in gdp.transform(records) if r["status"] != "void"]
    assert sum(row["invoice_count"] for row in kpi_rows) == len(not_void)
    assert all(stage.verdict is None for stage in result.stages)


async def test_a_failing_stage_stops_the_chain(parts: Parts) -> None:
    records = example_a(4)
    records[0]["currency"] = "JPY"  # raw lets it through; GDP's post-transform check does not
    result = await run_chain(extractor_event(records), parts.deps)

    assert not result.completed
    assert [stage.layer for stage in result.stages] == [Layer.EXTRACTOR, Layer.RAW, Layer.GDP]
    assert result.stage(Layer.GDP).code is PipeCode.VALIDATION_FAILED
    assert parts.events()[-1].detail_type == PipelineFailed.DETAIL_TYPE
    with pytest.raises(KeyError):
        result.stage(Layer.KPI)


async def test_a_failed_verdict_stops_the_chain(parts: Parts) -> None:
    seen: list[Envelope[BatchLanded]] = []

    async def verdict(landed: Envelope[BatchLanded]) -> Envelope[Any] | None:
        seen.append(landed)
        if landed.detail.layer is Layer.RAW:
            return parts.events()[0].model_copy(update={"detail_type": PipelineFailed.DETAIL_TYPE})
        return None

    result = await run_chain(extractor_event(example_a(3)), parts.deps, await_verdict=verdict)
    assert [e.detail.layer for e in seen] == [Layer.EXTRACTOR, Layer.RAW]
    assert [stage.layer for stage in result.stages] == [Layer.EXTRACTOR, Layer.RAW]
    assert not result.completed


# -- with the validator service behind the hook ---------------------------------------------------


@dataclass
class Validated:
    verdicts: list[Envelope[Any]] = field(default_factory=list)

    async def await_verdict(self, landed: Envelope[BatchLanded]) -> Envelope[Any]:
        """The production trigger: the next stage starts once this batch's verdict is out."""
        async with asyncio.timeout(15):
            while True:
                for verdict in self.verdicts:
                    if verdict.detail.meta.causation_id == landed.id:
                        return verdict
                await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def validator_running(parts: Parts) -> AsyncIterator[Validated]:
    catalog = InMemoryCatalog()
    for fqid, schema in parts.schemas.versions.items():
        catalog.add(fqid, schema)
    for contract in seed_contracts().values():
        catalog.contracts[(contract.pipeline_id, contract.layer)] = contract
    bus = parts.bus
    validated = Validated()

    async def record(envelope: Envelope[Any]) -> None:
        validated.verdicts.append(envelope)

    bus.subscribe("ops", VERDICTS, record)
    await bus.start()
    settings = ValidatorSettings(bus=parts.bus_settings)
    try:
        async with start(SPEC, settings, **parts.service_bus(), catalog=catalog, objects=parts.store):
            yield validated
    finally:
        await bus.close()


def verdict_types(result: ChainResult) -> list[str]:
    return [stage.verdict.detail_type if stage.verdict else "-" for stage in result.stages]


async def test_example_a_every_batch_is_validated(stack: Parts) -> None:
    parts = stack
    async with validator_running(parts) as validated:
        result = await run_chain(
            extractor_event(example_a(24)), parts.deps, await_verdict=validated.await_verdict
        )

    assert result.completed
    assert verdict_types(result) == [SchemaValidated.DETAIL_TYPE] * 4
    assert [str(stage.verdict.detail.schema_fqid) for stage in result.stages if stage.verdict] == [
        "finance.extractor.invoice:v1.0",
        "finance.raw.invoice:v1.0",
        "finance.gdp.invoice:v1.1",
        "finance.kpi.invoice_daily:v1.0",
    ]


async def test_example_b_drifts_at_gdp_and_kpi_aggregates_the_rest(stack: Parts) -> None:
    parts = stack
    records = example_b(24)
    async with validator_running(parts) as validated:
        result = await run_chain(extractor_event(records), parts.deps, await_verdict=validated.await_verdict)

    assert result.completed
    assert verdict_types(result) == [
        SchemaValidated.DETAIL_TYPE,
        SchemaValidated.DETAIL_TYPE,
        SchemaDriftDetected.DETAIL_TYPE,
        SchemaValidated.DETAIL_TYPE,
    ]
    drift = result.stage(Layer.GDP).verdict
    assert drift is not None
    assert drift.detail.drifted_count == len(drifted(records)) == 8
    assert [f.pointer for f in drift.detail.fields] == ["/invoice_region_code"]
    quarantined = jsonl.loads(await parts.store.get_bytes(drift.detail.quarantine_uri))
    assert sorted(line["record"]["invoice_id"] for line in quarantined) == sorted(drifted(records))
    kpi = result.stage(Layer.KPI)
    assert (kpi.records_in, kpi.skipped) == (24, 8)  # nothing lost: 16 aggregated + 8 in quarantine
