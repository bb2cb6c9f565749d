"""The Glue jobs on Spark (local[2], moto S3): Examples A and B with nothing lost, partition by partition.

One Spark session serves the module (starting the JVM costs seconds); it needs Java 17 and fails,
never skips, without it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from schemaline.contracts import Layer, QuarantineLine, SchemaDriftDetected, SchemaValidated
from schemaline.pipelines import jsonl
from schemaline.pipelines.glue import gdp
from schemaline.pipelines.glue.spark import SparkRunner, local_session
from schemaline.pipelines.runner import run_chain
from schemaline.pipelines.source import DRIFT_FIELD, drifted, example_a, example_b, extractor_event
from schemaline.runtime.objectstore import S3ObjectStore
from tests.pipelines.conftest import Parts, make_parts
from tests.pipelines.test_runner import validator_running, verdict_types

pytestmark = [pytest.mark.spark, pytest.mark.moto]
PARTITIONS = 3


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    session = local_session("local[2]", "schemaline-tests")
    yield session
    session.stop()


@pytest.fixture
async def on_spark(spark: SparkSession, moto_endpoint: str, tmp_path: Path) -> AsyncIterator[Parts]:
    """Stage parts whose Glue jobs run on Spark, reading and writing a moto server's S3."""
    async with S3ObjectStore.connect(endpoint_url=moto_endpoint) as store:
        await store.ensure_bucket("warehouse")
        parts = make_parts(tmp_path, store=store)
        parts.deps.runner = SparkRunner(spark, partitions=PARTITIONS, staging=tmp_path)
        yield parts


def staged(folder: Path) -> list[Path]:
    return list(folder.glob("schemaline-spark-*"))


async def quarantine_parts(parts: Parts, output_uri: str | None) -> list[str]:
    assert output_uri is not None
    return [info.uri async for info in parts.store.list(output_uri.rsplit("/", 1)[0] + "/_quarantine/")]


async def quarantine_of(parts: Parts, output_uri: str | None) -> list[QuarantineLine]:
    assert output_uri is not None
    folder = output_uri.rsplit("/", 1)[0] + "/_quarantine/"
    lines: list[QuarantineLine] = []
    async for info in parts.store.list(folder):
        data = await parts.store.get_bytes(info.uri)
        lines += [QuarantineLine.model_validate_json(line) for line in data.splitlines()]
    return lines


async def test_example_a_runs_every_glue_job_on_spark(on_spark: Parts, tmp_path: Path) -> None:
    parts = on_spark
    records = example_a(24)
    async with validator_running(parts) as validated:
        result = await run_chain(extractor_event(records), parts.deps, await_verdict=validated.await_verdict)

    assert result.completed
    assert verdict_types(result) == [SchemaValidated.DETAIL_TYPE] * 4
    for stage in result.stages[1:3]:
        assert (stage.records_in, stage.records_out, stage.skipped) == (24, 24, 0)
    landed = jsonl.loads(await parts.store.get_bytes(result.stage(Layer.GDP).output_uri or ""))
    assert landed == gdp.transform(records)  # partitions land in input order
    kpi_rows = jsonl.loads(await parts.store.get_bytes(result.stage(Layer.KPI).output_uri or ""))
    assert sum(row["invoice_count"] for row in kpi_rows) == sum(r["status"] != "void" for r in records)
    assert not staged(tmp_path), "staging folders are removed"


async def test_example_b_drifts_at_gdp_and_the_kpi_job_quarantines_what_it_leaves_out(
    on_spark: Parts,
) -> None:
    parts = on_spark
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
    assert drift.detail.drifted_count == 8
    kpi = result.stage(Layer.KPI)
    assert (kpi.records_in, kpi.skipped) == (24, 8)
    left_out = await quarantine_of(parts, kpi.output_uri)
    assert len(await quarantine_parts(parts, kpi.output_uri)) == PARTITIONS  # one per partition
    assert sorted(line.record["invoice_id"] for line in left_out) == sorted(drifted(records))
    assert all(line.reasons[0].pointer == f"/{DRIFT_FIELD}" for line in left_out)
    assert {str(line.fqid) for line in left_out} == {"finance.gdp.invoice:v1.1"}
    # Nothing lost: 16 aggregated, 8 left out by KPI (and in the validator's quarantine from GDP).
    rows = jsonl.loads(await parts.store.get_bytes(kpi.output_uri or ""))
    kept = [r for r in records if r["invoice_id"] not in drifted(records)]
    assert sum(row["invoice_count"] for row in rows) == sum(r["status"] != "void" for r in kept)


async def test_spark_and_the_plain_path_land_the_same_batches(on_spark: Parts, tmp_path: Path) -> None:
    records: list[Any] = example_b(40)
    records[5]["customer_id"] = None  # the raw job's input schema rejects it: left out, with its reason
    seen = []
    for parts in (on_spark, make_parts(tmp_path / "plain")):
        result = await run_chain(extractor_event(records), parts.deps)
        assert result.completed
        raw = result.stage(Layer.RAW)
        seen.append(
            (
                [(stage.records_in, stage.records_out, stage.skipped) for stage in result.stages],
                [jsonl.loads(await parts.store.get_bytes(stage.output_uri or "")) for stage in result.stages],
                [
                    (line.position, line.record, line.reasons)
                    for line in await quarantine_of(parts, raw.output_uri)
                ],
            )
        )
    assert seen[0] == seen[1]
    counts, _, left_out = seen[0]
    assert counts[1] == (40, 39, 1)
    assert [position for position, _, _ in left_out] == [5]
