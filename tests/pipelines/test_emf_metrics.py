"""The Lambda's and Glue jobs' metrics leave as CloudWatch EMF lines, one invocation at a time."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider

from schemaline.pipelines.extractor import context
from schemaline.pipelines.extractor.handler import handler
from schemaline.pipelines.extractor.settings import ExtractorSettings
from schemaline.pipelines.source import example_a, extractor_event
from schemaline.runtime.emf import EmfReader, histogram_values
from schemaline.sdk.metrics import PipelineMetrics
from tests.pipelines.conftest import make_parts

SETTINGS = ExtractorSettings(landing_path="s3://warehouse/landing/invoice/")


@pytest.fixture
def emf(tmp_path: Path) -> Iterator[io.StringIO]:
    """The Lambda's context, its metrics written as EMF to a buffer instead of stdout."""
    out = io.StringIO()
    reader = EmfReader(out)
    parts = make_parts(tmp_path / "objects")
    parts.deps.metrics = PipelineMetrics.create(MeterProvider([reader]), flush=reader.flush)
    context.configure(parts.deps, SETTINGS)
    yield out
    context.reset()


def _documents(out: io.StringIO) -> list[dict[str, Any]]:
    lines = out.getvalue().splitlines()
    out.seek(0)
    out.truncate()
    return [json.loads(line) for line in lines]


def _by_metric(documents: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for document in documents:
        [directive] = document["_aws"]["CloudWatchMetrics"]
        [metric] = directive["Metrics"]
        assert directive["Namespace"] == "Schemaline"
        for dimension_set in directive["Dimensions"]:
            assert all(name in document for name in dimension_set), "a dimension must be a member"
        found.setdefault(metric["Name"], []).append(document | {"unit": metric["Unit"]})
    return found


def test_each_invocation_writes_its_own_emf_lines(emf: io.StringIO) -> None:
    answer = handler(extractor_event(example_a(5), run_id="lr-emf-1"), None)
    assert answer["status"] == "landed"
    metrics = _by_metric(_documents(emf))

    [success] = metrics["pipeline.validation_success_rate"]
    assert success["unit"] == "Percent"
    assert success["pipeline.validation_success_rate"] == 100.0
    assert (success["component"], success["layer"], success["check"], success["outcome"]) == (
        "lambda:extractor",
        "extractor",
        "payload",
        "pass",
    )
    assert success["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["component", "layer"]]
    [latency] = metrics["pipeline.runtime_validation_latency_ms"]
    assert latency["unit"] == "Milliseconds"
    assert latency["pipeline.runtime_validation_latency_ms"] > 0
    [failure] = metrics["pipeline.failure_rate"]
    assert (failure["pipeline.failure_rate"], failure["pipeline_id"]) == (0.0, "finance_invoice_extractor")

    # The next invocation writes only its own (delta): an invalid envelope, a failed run.
    event = extractor_event(example_a(2))
    del event["envelope"]["source"]
    assert handler(event, None)["status"] == "failed"
    metrics = _by_metric(_documents(emf))
    [success] = metrics["pipeline.validation_success_rate"]
    assert (success["pipeline.validation_success_rate"], success["check"]) == (0.0, "envelope")
    [failure] = metrics["pipeline.failure_rate"]
    assert failure["pipeline.failure_rate"] == 100.0


def test_counters_are_counts_and_histograms_keep_up_to_100_values_a_line() -> None:
    out = io.StringIO()
    reader = EmfReader(out)
    metrics = PipelineMetrics.create(MeterProvider([reader]), flush=reader.flush)
    metrics.drift_detected(subject="finance.gdp.invoice", kind="shape")
    metrics.drift_detected(subject="finance.gdp.invoice", kind="shape")
    for n in range(150):
        metrics.validation("pass", float(n % 7), component="glue:gdp", layer="gdp", check="pre")
    reader.flush()
    found = _by_metric(_documents(out))
    [drift] = found["pipeline.drift_events"]
    assert (drift["unit"], drift["pipeline.drift_events"], drift["subject"]) == (
        "Count",
        2.0,
        "finance.gdp.invoice",
    )
    latency = found["pipeline.runtime_validation_latency_ms"]
    assert [len(doc["pipeline.runtime_validation_latency_ms"]) for doc in latency] == [100, 50]
    values = [v for doc in latency for v in doc["pipeline.runtime_validation_latency_ms"]]
    assert min(values) >= 0
    assert max(values) <= 6
    reader.flush()
    assert out.getvalue() == "", "nothing recorded since the last flush: nothing written"


def test_histogram_values_are_exact_for_one_or_two_and_bucketed_beyond() -> None:
    assert histogram_values(1, 12.5, 12.5, 12.5, [0, 1, 0], [10, 20]) == [12.5]
    assert histogram_values(2, 15.0, 3.0, 12.0, [1, 1, 0], [10, 20]) == [3.0, 12.0]
    # Three in (10, 20] and one above 20 (max 42): midpoints, clamped to the observed range.
    assert histogram_values(4, 90.0, 11.0, 42.0, [0, 3, 1], [10, 20]) == [15.0, 15.0, 15.0, 31.0]
