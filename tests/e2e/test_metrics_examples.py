"""Examples A and B (and one rejected invocation) on the embedded stack produce the seed's five
metrics with the values the runs imply, over OTLP/HTTP and on `/metrics`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from schemaline.cli.scenarios import stage_deps
from schemaline.cli.stack import EmbeddedStack, embedded_stack
from schemaline.contracts import PipeCode
from schemaline.pipelines.runner import run_chain
from schemaline.pipelines.source import example_a as records_a
from schemaline.pipelines.source import extractor_event
from schemaline.runtime.metrics import setup_metrics
from schemaline.runtime.settings import TelemetrySettings
from tests.support.metrics import global_meter_provider
from tests.support.otlp import OtlpReceiver, Point, otlp_receiver

from .examples import example_a, example_b

STAGES = (
    "finance_invoice_extractor",
    "finance_raw_ingest",
    "finance_gdp_transform",
    "finance_kpi_aggregation",
)


async def _rejected_invocation(stack: EmbeddedStack) -> None:
    """An extractor invocation whose envelope is invalid: PIPE-1002, nothing lands."""
    event = extractor_event(records_a(3))
    del event["envelope"]["event_id"]
    chain = await run_chain(event, stage_deps(stack))
    assert chain.stages[0].code is PipeCode.VALIDATION_FAILED


def _sum(points: Iterable[Point], key: str) -> float:
    return sum(float(point.data.get(key, 0)) for point in points)


def _where(points: list[Point], **attributes: str) -> list[Point]:
    return [p for p in points if all(p.attributes.get(k) == v for k, v in attributes.items())]


def _assert_seed_metrics(receiver: OtlpReceiver) -> None:
    # Validations: the Lambda's 2 payload checks + 1 rejected envelope; the checks each Glue job's
    # contract times (raw pre 2, gdp pre 2 + post 2, kpi publish 2); the validator's 9 verdicts
    # (8 batches and B's re-run). Not passing: the rejected envelope and GDP's drifted output in B
    # (its post check and the validator's verdict).
    success = receiver.points("pipeline.validation_success_rate")
    assert {p.unit for p in success} == {"%"}
    assert _sum(success, "count") == 3 + 8 + 9
    assert _sum(success, "sum") / _sum(success, "count") == 100 * 17 / 20
    assert _sum(_where(success, component="validator"), "count") == 9
    assert _sum(_where(success, component="validator", outcome="drift"), "count") == 1
    assert _sum(_where(success, component="glue:gdp", check="post", outcome="drift"), "count") == 1
    assert _sum(_where(success, component="glue:kpi", check="publish", outcome="pass"), "count") == 2
    assert not _where(success, component="glue:kpi", check="pre")  # its contract times no pre-job check
    assert _sum(_where(success, component="lambda:extractor", check="envelope"), "sum") == 0

    [drift] = receiver.points("pipeline.drift_events")
    assert (drift.unit, drift.attributes, int(drift.data["asInt"])) == (
        "{event}",
        {"subject": "finance.gdp.invoice", "kind": "shape"},
        1,
    )

    latency = receiver.points("pipeline.runtime_validation_latency_ms")
    assert {p.unit for p in latency} == {"ms"}
    for component, count in (("lambda:extractor", 3), ("validator", 9), ("glue:gdp", 4)):
        points = _where(latency, component=component)
        assert _sum(points, "count") == count, component
        assert all(0 <= float(p.data["min"]) <= float(p.data["max"]) for p in points)
    assert _sum(_where(latency, component="validator"), "sum") > 0

    resolver = receiver.points("schema.resolver_latency_ms")
    assert {p.unit for p in resolver} == {"ms"}
    by_cache = {p.attributes["schema.cache"]: int(p.data["count"]) for p in resolver}
    # Every stage run and every verdict resolves; the first resolve of each FQID is a miss.
    assert by_cache["miss"] >= 5
    assert by_cache["hit"] > 0
    assert sum(by_cache.values()) >= 8 + 9

    failures = receiver.points("pipeline.failure_rate")
    assert {p.unit for p in failures} == {"%"}
    runs = {p.attributes["pipeline_id"]: (int(p.data["count"]), p.data["sum"]) for p in failures}
    assert runs == {
        STAGES[0]: (3, 100.0),  # A, B, and the rejected invocation
        STAGES[1]: (2, 0.0),
        STAGES[2]: (2, 0.0),
        STAGES[3]: (2, 0.0),
    }


def _assert_scraped(text: str) -> None:
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[sample.name] = samples.get(sample.name, 0) + sample.value
    assert samples["pipeline_validation_success_rate_percent_count"] == 20
    assert samples["pipeline_validation_success_rate_percent_sum"] == 1700
    assert samples["pipeline_drift_events_total"] == 1
    assert samples["pipeline_runtime_validation_latency_ms_milliseconds_count"] == 20
    assert samples["schema_resolver_latency_ms_milliseconds_count"] >= 17
    assert samples["pipeline_failure_rate_percent_count"] == 9
    assert samples["pipeline_failure_rate_percent_sum"] == 100


async def _scrape(app: Any) -> str:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        answer = await client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return answer.text


async def test_examples_a_and_b_export_the_five_seed_metrics(tmp_path: Path) -> None:
    with otlp_receiver() as receiver:
        settings = TelemetrySettings(
            metrics="both", otlp_metrics_endpoint=receiver.metrics_url, metrics_interval_s=3600
        )
        measured = setup_metrics("e2e", settings)
        assert measured.scrape is not None
        with global_meter_provider(measured.provider):
            async with embedded_stack(tmp_path, scrape=measured.scrape) as stack:
                await example_a(stack, stack.lineage.reader)
                await example_b(stack, stack.lineage.reader)
                await _rejected_invocation(stack)
                await stack.settle()
                # The validator has no API of its own: it serves a bare app with `/metrics`.
                scraped = [await _scrape(running.app) for running in stack.services.values()]
            measured.provider.force_flush()
    _assert_seed_metrics(receiver)
    for text in scraped:  # one process, one registry: every service serves its metrics
        _assert_scraped(text)
