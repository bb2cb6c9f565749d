"""The seed's Examples A and B as assertions, for any stack (embedded, or services as processes)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from schemaline.cli.scenarios import GDP, ExampleB, Stack, run_example_a, run_example_b, seed_registry
from schemaline.contracts import Layer, SchemaDriftDetected
from schemaline.drift_detector.cases import CaseState
from schemaline.lineage_writer.queries import RunSummary, dataset_lineage, run_trace
from schemaline.lineage_writer.store import LineageReader
from schemaline.pipelines.runner import ChainResult

SEED_FIELDS = ("pipeline_id", "schema_fqid", "run_id", "status", "validation_result")


def _noop(_text: str) -> None:
    return None


async def example_a(stack: Stack, lineage: LineageReader) -> ChainResult:
    await seed_registry(stack, _noop)
    chain = await run_example_a(stack, _noop)
    assert chain.completed
    assert [stage.layer for stage in chain.stages] == [Layer.EXTRACTOR, Layer.RAW, Layer.GDP, Layer.KPI]
    assert {stage.verdict.detail_type for stage in chain.stages if stage.verdict} == {"SchemaValidated"}
    assert str(chain.stage(Layer.GDP).verdict.detail.schema_fqid) == "finance.gdp.invoice:v1.1"  # type: ignore[union-attr]
    # KPI resolved "latest compatible" (^1) to the one v1.x there is.
    assert str(chain.stage(Layer.KPI).verdict.detail.schema_fqid) == "finance.kpi.invoice_daily:v1.0"  # type: ignore[union-attr]
    for stage in chain.stages:
        summary = await _summary(lineage, stage.run_id)
        for name in SEED_FIELDS:
            assert getattr(summary, name), f"lineage of {stage.run_id} lacks {name}"
        assert summary.outputs, f"lineage of {stage.run_id} lacks s3_output_path"
        assert (summary.status, summary.validation_result) == ("success", "pass")
    await _chains_back_to_the_landing_object(chain, lineage)
    return chain


async def _chains_back_to_the_landing_object(chain: ChainResult, lineage: LineageReader) -> None:
    """The KPI output's upstream reaches the extractor's landing object, one run per stage; every
    run's trace carries its execution metadata."""
    landing = chain.stage(Layer.EXTRACTOR).output_uri
    walk = await dataset_lineage(lineage, str(chain.stage(Layer.KPI).output_uri))
    assert [hop.run_id for hop in walk.upstream] == [s.run_id for s in reversed(chain.stages)]
    raw_hop, extractor_hop = walk.upstream[-2:]
    assert (raw_hop.inputs, extractor_hop.outputs, extractor_hop.inputs) == ([landing], [landing], [])
    for stage in chain.stages:
        trace = await run_trace(lineage, stage.run_id)
        assert trace is not None
        execution = trace.execution
        assert execution is not None, f"lineage of {stage.run_id} has no execution metadata"
        assert (execution["records_in"], execution["records_out"]) == (stage.records_in, stage.records_out)
        assert execution["records_skipped"] == stage.skipped
        assert execution["code_version"]
        assert execution["duration_ms"] >= 0
        assert 0 < execution["resolve_ms"] <= execution["duration_ms"], "the run's time in resolves"
        assert execution["ended_at"] >= execution["started_at"]
        if stage.input_uri:
            assert trace.inputs == [stage.input_uri]


async def example_b(stack: Stack, lineage: LineageReader) -> ExampleB:
    before = len(stack.events())
    result = await run_example_b(stack, _noop)
    events = stack.events()[before:]
    kinds = Counter(event.detail_type for event in events)
    gdp = result.chain.stage(Layer.GDP)
    assert gdp.verdict is not None
    drift = gdp.verdict.detail
    assert isinstance(drift, SchemaDriftDetected)
    assert [field.pointer for field in drift.fields] == ["/invoice_region_code"]
    assert drift.quarantine_uri
    assert "held" in result.held_reason
    assert result.case.case_id in result.held_reason
    assert str(result.published) == "finance.gdp.invoice:v1.2"
    assert kinds["SchemaPublished"] == 1
    assert kinds["DriftResolved"] == 1
    assert result.resolved_case.state is CaseState.RESOLVED
    # Zero records lost: GDP input = valid downstream + quarantined, and every quarantined one re-ran.
    quarantined = drift.drifted_count + drift.invalid_count
    assert gdp.records_in == drift.record_count
    [run] = result.resolved_case.runs
    assert run.rerun_state == "passed"
    rerun = await _summary(lineage, str(run.rerun_id))
    assert rerun.rerun_of == gdp.run_id, "lineage links the re-run to the original run"
    assert rerun.valid_count == quarantined
    assert (rerun.status, rerun.validation_result) == ("success", "pass")
    assert (await _summary(lineage, gdp.run_id)).valid_count == drift.record_count - quarantined
    # Governance ends with no open case on the subject.
    assert result.case.subject == GDP
    return result


async def _summary(lineage: LineageReader, run_id: str) -> RunSummary:
    trace: Any = await run_trace(lineage, run_id)
    assert trace is not None, f"no lineage for run {run_id}"
    summary: RunSummary = trace.run
    return summary
