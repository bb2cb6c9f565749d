"""Each stage run binds to its contract, read through the registry's cached contract resolver,
before any data is read: the declared FQID must stay inside the contract, `validation_timing`
picks the checks, `integration_mode` says whether the stage makes them or the validator does."""

from __future__ import annotations

import json
from typing import Any

from schemaline.contracts import (
    IntegrationMode,
    Layer,
    PipeCode,
    PipelineFailed,
    PipelineId,
    SchemaContract,
    Selector,
    ValidationTiming,
)
from schemaline.pipelines.glue import gdp, kpi
from schemaline.pipelines.results import StageStatus
from schemaline.pipelines.seed import SeedContracts, seed_contracts, seed_schema
from schemaline.pipelines.source import example_a
from schemaline.sdk.resolver import AsyncContractResolver, CachePolicy, ManualClock, SchemaFetchError
from tests.pipelines.conftest import Parts
from tests.pipelines.test_glue_jobs import GDP, KPI, job_args, land


def gdp_contract(**changes: object) -> SchemaContract:
    return seed_contracts()[PipelineId(gdp.PIPELINE_ID)].model_copy(update=changes)


async def test_a_declared_fqid_outside_the_contract_fails_before_any_data_is_read(parts: Parts) -> None:
    # No input object: a run that read anything would fail on the missing object (PIPE-1002).
    result = await gdp.run(job_args(gdp, "finance.gdp.invoice:v1.0", GDP[1]), parts.deps)
    assert (result.status, result.code) == (StageStatus.FAILED, PipeCode.OUTSIDE_CONTRACT)
    [event] = parts.events()
    assert isinstance(event.detail, PipelineFailed)
    assert event.detail.code is PipeCode.OUTSIDE_CONTRACT
    assert "outside its contract's schema_selector finance.gdp.invoice:v1.1" in event.detail.message
    assert event.detail.execution is not None
    assert event.detail.execution.resolve_ms is None, "it failed before resolving any schema"


class FlakyRegistry:
    """The registry's contracts endpoint, as the SDK's `RegistryApi` answers it; it can go down."""

    def __init__(self) -> None:
        self.contracts = SeedContracts()
        self.down = False
        self.calls = 0

    async def contract(self, pipeline_id: PipelineId, layer: Layer) -> SchemaContract | None:
        self.calls += 1
        if self.down:
            raise SchemaFetchError(f"contract {pipeline_id}", "ConnectError")
        return await self.contracts.contract(pipeline_id, layer)


async def test_contracts_come_from_the_registry_and_a_warm_cache_outlives_an_outage(parts: Parts) -> None:
    registry, clock = FlakyRegistry(), ManualClock()
    parts.deps.contracts = AsyncContractResolver(registry, CachePolicy(ttl_s=60), clock=clock)
    await land(parts, example_a(3))
    first = await gdp.run(job_args(gdp, *GDP, run="jr-1"), parts.deps)
    registry.down = True
    clock.advance(90)  # expired, within max-stale: the cached contract stands in
    second = await gdp.run(job_args(gdp, *GDP, run="jr-2"), parts.deps)
    assert (first.status, second.status) == (StageStatus.LANDED, StageStatus.LANDED)
    assert registry.calls == 2


async def test_a_cold_cache_and_a_registry_down_is_pipe_1001(parts: Parts) -> None:
    registry = FlakyRegistry()
    registry.down = True
    parts.deps.contracts = AsyncContractResolver(registry)
    await land(parts, example_a(3))
    result = await gdp.run(job_args(gdp, *GDP), parts.deps)
    assert (result.status, result.code) == (StageStatus.FAILED, PipeCode.SCHEMA_FETCH_TIMEOUT)


async def test_a_changed_contract_binds_the_next_run(parts: Parts) -> None:
    contracts = SeedContracts()
    parts.deps.contracts = contracts
    await land(parts, example_a(3))
    contracts.put(gdp_contract(schema_selector=Selector.parse("finance.gdp.invoice:^1")))
    result = await gdp.run(job_args(gdp, "finance.gdp.invoice:v1.0", GDP[1]), parts.deps)
    assert result.status is StageStatus.LANDED


async def _negative_amount(parts: Parts) -> None:
    records = example_a(4)
    records[1]["amount"] = -5.0  # raw accepts it; GDP v1.1 (minimum 0) does not
    await land(parts, records)


async def test_post_transform_runs_in_process_when_the_timing_says_so(parts: Parts) -> None:
    await _negative_amount(parts)
    result = await gdp.run(job_args(gdp, *GDP), parts.deps)  # seed: pre_job_post_transform, in process
    assert (result.status, result.code) == (StageStatus.FAILED, PipeCode.VALIDATION_FAILED)
    assert "post-transform" in result.message


async def test_a_pre_job_timing_leaves_the_output_to_the_validator(parts: Parts) -> None:
    parts.deps.contracts = SeedContracts(
        {PipelineId(gdp.PIPELINE_ID): gdp_contract(validation_timing=ValidationTiming.PRE_JOB)}
    )
    await _negative_amount(parts)
    result = await gdp.run(job_args(gdp, *GDP), parts.deps)
    assert result.status is StageStatus.LANDED
    assert result.records_out == 4


async def test_validator_service_mode_lands_and_lets_the_verdict_decide(parts: Parts) -> None:
    contract = gdp_contract(integration_mode=IntegrationMode.VALIDATOR_SERVICE)
    parts.deps.contracts = SeedContracts({PipelineId(gdp.PIPELINE_ID): contract})
    await _negative_amount(parts)
    result = await gdp.run(job_args(gdp, *GDP), parts.deps)
    assert result.status is StageStatus.LANDED


def _kpi_v1_1_with_a_new_metric() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(json.dumps(seed_schema("finance.kpi.invoice_daily:v1.0")))
    schema["properties"]["margin_total"] = {"type": "number"}
    schema["required"] = [*schema["required"], "margin_total"]
    return schema


async def test_kpi_build_time_check_blocks_a_schema_its_rows_do_not_meet_before_reading(parts: Parts) -> None:
    parts.schemas.publish("finance.kpi.invoice_daily:v1.1", _kpi_v1_1_with_a_new_metric())
    # No input object: the build-time check must stop the run first.
    result = await kpi.run(job_args(kpi, *KPI), parts.deps)
    assert (result.status, result.code) == (StageStatus.FAILED, PipeCode.INCOMPATIBLE_SCHEMA)
    assert "build-time check" in result.message
    assert "finance.kpi.invoice_daily:v1.1" in result.message
    assert str(result.schema_fqid) == "finance.kpi.invoice_daily:v1.1"


async def test_a_contract_changed_since_it_was_cached_is_read_again_before_refusing(parts: Parts) -> None:
    registry = FlakyRegistry()
    parts.deps.contracts = AsyncContractResolver(registry, CachePolicy(ttl_s=60), clock=ManualClock())
    await land(parts, example_a(3))
    assert (await gdp.run(job_args(gdp, *GDP, run="jr-1"), parts.deps)).landed  # caches the v1.1 pin
    registry.contracts.put(gdp_contract(schema_selector=Selector.parse("finance.gdp.invoice:^1")))
    moved = await gdp.run(job_args(gdp, "finance.gdp.invoice:v1.0", GDP[1], run="jr-2"), parts.deps)
    assert moved.landed, moved.message
    assert registry.calls == 2
