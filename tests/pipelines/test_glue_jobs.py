"""The Glue jobs: pinned schemas, pre-job and post-transform checks, output, one event per run."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from schemaline.contracts import BatchLanded, Layer, PipeCode, PipelineFailed, PipelineId, RunId, Selector
from schemaline.pipelines import jsonl
from schemaline.pipelines.deps import StageDeps
from schemaline.pipelines.glue import gdp, kpi, raw
from schemaline.pipelines.glue.args import JobArgs
from schemaline.pipelines.results import StageStatus
from schemaline.pipelines.seed import seed_schema
from schemaline.pipelines.source import DRIFT_FIELD, example_a, example_b
from tests.pipelines.conftest import Parts
from tests.support.invoices import gdp_invoice_v1_2
from tests.support.layout import folder_of

INPUT = "s3://warehouse/in/batch.jsonl"


def job_args(module: Any, schema: str, input_schema: str | None, run: str = "jr-test") -> JobArgs:
    return JobArgs(
        schema_fqid=Selector.parse(schema),
        input_schema_fqid=Selector.parse(input_schema) if input_schema else None,
        input_path=INPUT,
        output_path=f"s3://warehouse/{module.SPEC.layer.value}/",
        run_id=RunId(run),
        pipeline_id=PipelineId(module.PIPELINE_ID),
    )


RAW = ("finance.raw.invoice:v1.0", "finance.extractor.invoice:^1")
GDP = ("finance.gdp.invoice:v1.1", "finance.raw.invoice:^1")
KPI = ("finance.kpi.invoice_daily:^1", "finance.gdp.invoice:^1")


async def land(parts: Parts, records: list[Any]) -> None:
    await parts.store.put_bytes(INPUT, jsonl.dumps(records))


async def output_of(parts: Parts, uri: str | None) -> list[Any]:
    assert uri is not None
    return jsonl.loads(await parts.store.get_bytes(uri))


async def test_raw_lands_every_record_and_announces_it(parts: Parts) -> None:
    records = example_b(9)
    await land(parts, records)
    result = await raw.run(job_args(raw, *RAW), parts.deps)

    assert result.status is StageStatus.LANDED
    assert result.output_uri == f"s3://warehouse/raw/{folder_of(result.event)}/part-00000.jsonl"
    assert await output_of(parts, result.output_uri) == records  # the new field passes raw
    [event] = parts.events()
    assert event.detail_type == BatchLanded.DETAIL_TYPE
    assert event.id == result.event.id
    detail = event.detail
    assert (str(detail.declared_fqid), str(detail.writer_fqid), detail.record_count) == (
        "finance.raw.invoice:v1.0",
        "finance.raw.invoice:v1.0",
        9,
    )
    assert (detail.layer, detail.run_id, detail.object_uri) == (Layer.RAW, "jr-test", result.output_uri)


async def test_raw_leaves_out_what_the_extractor_schema_rejected(parts: Parts) -> None:
    """Drifted at the extractor = quarantined there: raw skips it instead of quarantining it twice."""
    records = example_a(5)
    del records[2]["customer_id"]
    await land(parts, records)
    result = await raw.run(job_args(raw, *RAW), parts.deps)

    assert (result.records_in, result.skipped, result.records_out) == (5, 1, 4)
    assert [r["invoice_id"] for r in await output_of(parts, result.output_uri)] == [
        r["invoice_id"] for i, r in enumerate(records) if i != 2
    ]


async def test_a_failed_pre_job_check_is_pipelinefailed_and_lands_nothing(parts: Parts) -> None:
    records = example_a(3)
    records[1]["invoice_id"] = ""
    await land(parts, records)
    result = await raw.run(job_args(raw, *RAW), parts.deps)

    assert result.status is StageStatus.FAILED
    assert result.code is PipeCode.VALIDATION_FAILED
    [event] = parts.events()
    detail = event.detail
    assert isinstance(detail, PipelineFailed)
    assert (detail.code, detail.component, detail.object_uri, detail.inputs) == (
        PipeCode.VALIDATION_FAILED,
        "glue:raw",
        None,  # it wrote nothing; what it read is an input
        (INPUT,),
    )
    assert [(v.pointer, v.rule) for v in detail.violations] == [("/1/invoice_id", "minLength")]
    assert "pre-job" in detail.message
    assert not [info async for info in parts.store.list("s3://warehouse/raw/")]


async def test_a_missing_input_object_is_pipe_1002(parts: Parts) -> None:
    result = await gdp.run(job_args(gdp, *GDP), parts.deps)
    assert result.code is PipeCode.VALIDATION_FAILED
    assert "does not exist" in result.message


async def test_an_unknown_schema_is_pipelinefailed(parts: Parts) -> None:
    await land(parts, example_a(1))
    result = await gdp.run(job_args(gdp, GDP[0], "finance.raw.invoice:v3.0"), parts.deps)
    assert (result.status, result.code) == (StageStatus.FAILED, PipeCode.VALIDATION_FAILED)
    assert "finance.raw.invoice:v3.0" in result.message
    assert parts.events()[0].detail.schema_ref == GDP[0]


async def test_gdp_curates_and_passes_v1_1(parts: Parts) -> None:
    records = example_a(12)
    await land(parts, records)
    result = await gdp.run(job_args(gdp, *GDP), parts.deps)

    assert result.landed, result.message
    assert str(result.schema_fqid) == "finance.gdp.invoice:v1.1"
    curated = await output_of(parts, result.output_uri)
    assert [r["currency"] for r in curated] == [r["currency"].upper() for r in records]
    assert [r["status"] for r in curated] == [r["status"].lower() for r in records]
    assert [r["amount"] for r in curated] == [round(r["amount"], 2) for r in records]
    assert parts.deps.engine.validate_records(curated, seed_schema(GDP[0])).counts.drift == 0


async def test_gdp_carries_unknown_fields_through_to_gdp_validation(parts: Parts) -> None:
    """Example B: invoice_region_code passes raw and reaches GDP, where v1.1 (closed) sees the drift;
    the job lands it anyway so that the validator quarantines it and raises the drift."""
    records = example_b(12)
    await land(parts, records)
    result = await gdp.run(job_args(gdp, *GDP), parts.deps)

    assert result.landed
    curated = await output_of(parts, result.output_uri)
    carried = [r[DRIFT_FIELD] for r in curated if DRIFT_FIELD in r]
    assert carried == [r[DRIFT_FIELD] for r in records if DRIFT_FIELD in r]
    assert len(carried) == 4
    check = parts.deps.engine.validate_records(curated, seed_schema(GDP[0]))
    assert (check.counts.drift, check.counts.valid) == (4, 8)


async def test_gdp_fails_when_the_curated_batch_breaks_a_value_rule(parts: Parts) -> None:
    records = example_a(3)
    records[0]["currency"] = "JPY"  # three letters: raw accepts it; GDP's enum does not
    await land(parts, records)
    result = await gdp.run(job_args(gdp, *GDP), parts.deps)

    assert result.code is PipeCode.VALIDATION_FAILED
    detail = parts.events()[0].detail
    assert "post-transform" in detail.message
    assert [(v.pointer, v.rule) for v in detail.violations] == [("/0/currency", "enum")]


def expected_totals(records: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[int, float]]:
    totals: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, 0.0])
    for record in records:
        if record["status"] == "void":
            continue
        issued = datetime.fromisoformat(record["issued_at"]).astimezone(UTC).date().isoformat()
        totals[(issued, record["currency"])][0] += 1
        totals[(issued, record["currency"])][1] += record["amount"]
    return {key: (count, round(amount, 2)) for key, (count, amount) in totals.items()}


async def curated_input(parts: Parts, records: list[Any]) -> list[Any]:
    curated = gdp.transform(records)
    await land(parts, curated)
    return curated


async def test_kpi_totals_per_day_and_currency(parts: Parts) -> None:
    curated = await curated_input(parts, example_a(40))
    result = await kpi.run(job_args(kpi, *KPI), parts.deps)

    assert result.landed, result.message
    rows = await output_of(parts, result.output_uri)
    assert {(r["day"], r["currency"]): (r["invoice_count"], r["amount_total"]) for r in rows} == (
        expected_totals(curated)
    )
    assert len({r["day"] for r in rows}) == 2


async def test_kpi_resolves_caret_1_to_the_newest_v1(parts: Parts) -> None:
    v10 = parts.schemas.versions[next(f for f in parts.schemas.versions if f.subject.layer is Layer.KPI)]
    v11 = orjson.loads(orjson.dumps(v10))
    v11["title"] = "finance.kpi.invoice_daily v1.1"
    v11["properties"]["avg_amount"] = {"type": "number"}
    parts.schemas.publish("finance.kpi.invoice_daily:v1.1", v11)
    parts.schemas.publish("finance.kpi.invoice_daily:v2.0", {"type": "object", "required": ["nope"]})
    await curated_input(parts, example_a(6))
    result = await kpi.run(job_args(kpi, *KPI), parts.deps)

    assert str(result.schema_fqid) == "finance.kpi.invoice_daily:v1.1"
    detail = parts.events()[0].detail
    assert (str(detail.declared_fqid), str(detail.writer_fqid)) == (
        "finance.kpi.invoice_daily:^1",
        "finance.kpi.invoice_daily:v1.1",
    )


async def test_kpi_leaves_out_records_gdp_quarantined(parts: Parts) -> None:
    records = example_b(12)
    curated = await curated_input(parts, records)
    result = await kpi.run(job_args(kpi, *KPI), parts.deps)

    assert (result.records_in, result.skipped) == (12, 4)
    rows = await output_of(parts, result.output_uri)
    kept = [r for r in curated if DRIFT_FIELD not in r]
    assert {(r["day"], r["currency"]): (r["invoice_count"], r["amount_total"]) for r in rows} == (
        expected_totals(kept)
    )


async def test_kpi_after_v1_2_counts_the_region_coded_records(parts: Parts) -> None:
    """Once the drift fix is live, `finance.gdp.invoice:^1` pins v1.2 and nothing is left out."""
    parts.schemas.publish("finance.gdp.invoice:v1.2", gdp_invoice_v1_2())
    await curated_input(parts, example_b(12))
    result = await kpi.run(job_args(kpi, *KPI), parts.deps)
    assert result.skipped == 0


# -- the command line -----------------------------------------------------------------------------


def argv(*extra: str) -> list[str]:
    return [
        "--schema-fqid",
        GDP[0],
        "--input-schema-fqid",
        GDP[1],
        "--input-path",
        INPUT,
        "--output-path",
        "s3://warehouse/gdp/invoice/",
        "--job-bookmark-option",
        "job-bookmark-disable",
        *extra,
    ]


def factory_for(deps: StageDeps) -> Any:
    @contextlib.asynccontextmanager
    async def open_deps() -> AsyncIterator[StageDeps]:
        yield deps

    return open_deps


def test_main_takes_glue_arguments_and_exits_0_when_landed(parts: Parts, tmp_path: Any) -> None:
    import asyncio

    asyncio.run(land(parts, example_a(3)))
    code = gdp.main(
        argv("--JOB_RUN_ID", "jr_glue123", "--JOB_NAME", "finance_gdp_transform"), factory_for(parts.deps)
    )
    assert code == 0
    [event] = parts.events()
    assert (event.detail.run_id, event.detail.pipeline_id) == ("jr_glue123", "finance_gdp_transform")
    assert event.detail.object_uri == f"s3://warehouse/gdp/invoice/{folder_of(event)}/part-00000.jsonl"


def test_main_exits_1_when_the_run_failed(parts: Parts) -> None:
    code = gdp.main(argv("--run-id", "jr-missing"), factory_for(parts.deps))
    assert code == 1
    assert parts.events()[0].detail.code is PipeCode.VALIDATION_FAILED


def test_a_malformed_schema_fqid_exits_2_before_anything_runs(
    parts: Parts, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = argv()
    bad[1] = "finance.gdp.invoice"
    with pytest.raises(SystemExit) as exit_info:
        gdp.main(bad, factory_for(parts.deps))
    assert exit_info.value.code == 2
    assert "finance.gdp.invoice" in capsys.readouterr().err
    assert parts.events() == []
