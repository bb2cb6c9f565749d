"""One lineage-writer suite, run on (in-memory bus, SQLite) and (RabbitMQ, PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from pydantic import SecretStr

from schemaline.lineage_writer.handlers import Deps
from schemaline.lineage_writer.queries import (
    dataset_lineage,
    pipeline_runs,
    recent_runs,
    run_trace,
    slo_figures,
)
from schemaline.lineage_writer.settings import SERVICE, LineageSettings
from schemaline.lineage_writer.spec import SPEC
from schemaline.lineage_writer.store import LineageReader, RunWindow
from schemaline.runtime.bus import EventBus, Transport
from schemaline.runtime.service import start
from schemaline.runtime.settings import BusSettings, DatabaseSettings
from tests.lineage import example_a as ex


@dataclass
class Harness:
    writer: Deps
    driver: EventBus

    @property
    def reader(self) -> LineageReader:
        return self.writer.reader

    async def wait_events(self, run_ids: list[str], count: int, within: float = 20.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while len(await self.reader.events_for_runs(run_ids)) < count:
            if loop.time() > deadline:
                have = len(await self.reader.events_for_runs(run_ids))
                raise AssertionError(f"timed out: {have} of {count} lineage rows")
            await asyncio.sleep(0.02)


class LineageContract:
    @pytest.fixture
    def bus_settings(self) -> BusSettings:
        raise NotImplementedError

    @pytest.fixture
    def make_transport(self) -> Callable[[], Transport]:
        raise NotImplementedError

    @pytest.fixture
    def database_url(self) -> str:
        raise NotImplementedError

    @pytest.fixture
    async def harness(
        self, bus_settings: BusSettings, make_transport: Callable[[], Transport], database_url: str
    ) -> AsyncIterator[Harness]:
        bus_settings = bus_settings.model_copy(update={"concurrency": 64, "prefetch": 128})
        database = DatabaseSettings(url=SecretStr(database_url), migrate_on_start=True)
        settings = LineageSettings(bus=bus_settings, database=database)
        driver = EventBus(make_transport())
        await driver.connect()
        async with start(SPEC, settings, transport=make_transport()) as running:
            yield Harness(running.deps, driver)
        await driver.close()

    async def test_example_a_records_every_run_and_output(self, harness: Harness) -> None:
        await harness.driver.publish_many(ex.example_a())
        runs = [stage["run_id"] for stage in ex.STAGES]
        await harness.wait_events(runs, 8)
        for stage in ex.STAGES:
            trace = await run_trace(harness.reader, stage["run_id"])
            assert trace is not None
            run = trace.run
            assert (run.pipeline_id, run.schema_fqid, run.status, run.validation_result) == (
                stage["pipeline_id"],
                stage["exact"],
                "success",
                "pass",
            )
            assert run.outputs == [stage["output"]]
            assert trace.inputs == stage["inputs"]
            assert (run.record_count, run.valid_count, run.rejected_count) == (1000, 1000, 0)
            assert run.started_at is not None
            assert run.finished_at == run.started_at + timedelta(minutes=2)
            assert [e.detail_type for e in trace.events] == ["BatchLanded", "SchemaValidated"]

        kpi = await dataset_lineage(harness.reader, ex.KPI_OUT)
        assert [(hop.run_id, hop.depth) for hop in kpi.upstream] == [
            ("jr-kpi-0001", 1),
            ("jr-gdp-0001", 2),
            ("jr-raw-0001", 3),
            ("jr-ext-0001", 4),
        ]
        assert kpi.downstream == []
        extracted = await dataset_lineage(harness.reader, "s3://warehouse/extractor/invoice/")
        assert [hop.run_id for hop in extracted.downstream] == ["jr-raw-0001", "jr-gdp-0001", "jr-kpi-0001"]
        assert [hop.run_id for hop in extracted.upstream] == ["jr-ext-0001"]
        assert extracted.upstream[0].inputs == [ex.SOURCE]

    async def test_redelivered_events_leave_no_duplicates(self, harness: Harness) -> None:
        events = ex.example_a()
        await harness.driver.publish_many(events)
        await harness.driver.publish_many(list(reversed(events)))
        await harness.driver.publish_many(events[:3])
        marker = ex.failed_run()
        await harness.driver.publish_many(marker)  # published last: once it is in, the rest was handled
        runs = [stage["run_id"] for stage in ex.STAGES] + ["jr-raw-0002"]
        await harness.wait_events(runs, len(events) + len(marker))
        await asyncio.sleep(0.2)
        rows = await harness.reader.events_for_runs(runs)
        assert len(rows) == len(events) + len(marker)
        assert len({row.event_id for row in rows}) == len(rows)
        links = await harness.reader.links_for_runs(runs)
        assert len(links) == len({(link.event_id, link.role, link.uri) for link in links})
        assert await harness.driver.dead_letters(SERVICE) == []

    async def test_a_rerun_is_linked_to_its_original_run(self, harness: Harness) -> None:
        await harness.driver.publish_many(ex.drift_and_rerun())
        await harness.wait_events(["jr-gdp-0002", "jr-gdp-0002-r1"], 5)
        original = await run_trace(harness.reader, "jr-gdp-0002")
        assert original is not None
        assert original.run.status == "drift_resolved"
        assert [rerun.run_id for rerun in original.reruns] == ["jr-gdp-0002-r1"]
        assert original.reruns[0].status == "success"
        assert original.reruns[0].schema_fqid == "finance.gdp.invoice:v1.2"
        rerun = await run_trace(harness.reader, "jr-gdp-0002-r1")
        assert rerun is not None
        assert rerun.original is not None
        assert rerun.run.rerun_of == "jr-gdp-0002"
        assert rerun.original.validation_result == "drift"
        assert rerun.original.rejected_count == 12

    async def test_a_rerun_reads_the_quarantine_its_original_wrote(self, harness: Harness) -> None:
        await harness.driver.publish_many(ex.example_a() + ex.drift_and_rerun())
        await harness.wait_events(["jr-gdp-0002", "jr-gdp-0002-r1"], 5)
        rerun_output = "s3://warehouse/reruns/dc-0001/jr-gdp-0002-r1.jsonl"
        upstream = (await dataset_lineage(harness.reader, rerun_output)).upstream
        assert [(hop.run_id, hop.inputs) for hop in upstream[:2]] == [
            ("jr-gdp-0002-r1", [ex.QUARANTINE]),
            ("jr-gdp-0002", ["s3://warehouse/raw/invoice/2025/10/07/"]),
        ]
        assert ex.QUARANTINE in upstream[1].outputs
        assert upstream[-1].run_id == "jr-ext-0001"  # followed back to the landing run

    async def test_recent_runs_across_pipelines_by_status(self, harness: Harness) -> None:
        await harness.driver.publish_many(ex.example_a() + ex.drift_and_rerun() + ex.failed_run())
        await harness.wait_events(["jr-gdp-0002", "jr-gdp-0002-r1", "jr-raw-0002"], 7)
        page = await recent_runs(harness.reader, RunWindow(), limit=3)
        assert page.total == 7
        assert [run.run_id for run in page.runs] == ["jr-raw-0002", "jr-gdp-0002", "jr-gdp-0002-r1"]
        resolved = await recent_runs(harness.reader, RunWindow(), status="drift_resolved")
        assert [run.run_id for run in resolved.runs] == ["jr-gdp-0002"]
        gdp = await recent_runs(harness.reader, RunWindow(pipeline_id="finance_gdp_transform"), offset=1)
        assert (gdp.total, [run.run_id for run in gdp.runs]) == (3, ["jr-gdp-0002-r1", "jr-gdp-0001"])

    async def test_runs_of_a_pipeline_in_a_time_window(self, harness: Harness) -> None:
        await harness.driver.publish_many(ex.example_a() + ex.failed_run())
        await harness.wait_events(["jr-raw-0001", "jr-raw-0002"], 4)
        every = await pipeline_runs(harness.reader, "finance_raw_ingest")
        assert [(run.run_id, run.status) for run in every] == [
            ("jr-raw-0001", "success"),
            ("jr-raw-0002", "failed"),
        ]
        assert every[1].error_code == "PIPE-1002"
        assert every[1].validation_result == "fail"
        late = await pipeline_runs(harness.reader, "finance_raw_ingest", since=ex.T0 + timedelta(hours=1))
        assert [run.run_id for run in late] == ["jr-raw-0002"]
        early = await pipeline_runs(harness.reader, "finance_raw_ingest", until=ex.T0 + timedelta(hours=1))
        assert [run.run_id for run in early] == ["jr-raw-0001"]
        assert await pipeline_runs(harness.reader, "no_such_pipeline") == []

    async def test_slo_figures_take_the_stage_runs_resolve_times(self, harness: Harness) -> None:
        """`execution.resolve_ms` of the stage runs in the window gives the resolver level its P95;
        events that state none (a run with no resolve, the validator's PipelineFailed) do not count."""
        resolves = [4.0, 2.5, 3.0, 60.0]
        timed = [
            ex.landed(stage, ex.T0 + timedelta(minutes=10 * n), resolve_ms=ms)
            for n, (stage, ms) in enumerate(zip(ex.STAGES, resolves, strict=True))
        ]
        await harness.driver.publish_many(timed + ex.failed_run())
        await harness.wait_events([stage["run_id"] for stage in ex.STAGES] + ["jr-raw-0002"], 6)
        day = await slo_figures(harness.reader, ex.T0, ex.T0 + timedelta(days=1))
        assert (day.resolver_ms_p95, day.resolves_timed) == (60.0, 4)
        early = await slo_figures(harness.reader, ex.T0, ex.T0 + timedelta(minutes=15))
        assert (early.resolver_ms_p95, early.resolves_timed) == (4.0, 2)
        untimed = await slo_figures(harness.reader, ex.T0 + timedelta(hours=2), ex.T0 + timedelta(days=1))
        assert (untimed.resolver_ms_p95, untimed.resolves_timed, untimed.runs) == (None, 0, 1)

    async def test_unknown_run_has_no_trace(self, harness: Harness) -> None:
        assert await run_trace(harness.reader, "jr-nothing") is None
