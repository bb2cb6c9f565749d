"""One partition, fed many groups of lines: what it leaves out, writes and counts adds up."""

from __future__ import annotations

from typing import Any

import orjson

from schemaline.contracts import QuarantineLine, StagePolicy
from schemaline.pipelines.glue import gdp, kpi
from schemaline.pipelines.glue.partition import Checked, PartitionPlan, run_partition
from schemaline.pipelines.glue.reconcile import Totals
from schemaline.pipelines.seed import seed_schema
from schemaline.pipelines.source import example_a

LENIENT = StagePolicy(max_invalid_ratio=1.0)


def plan(transform: Any) -> PartitionPlan:
    raw = Checked("finance.raw.invoice:v1.0", seed_schema("finance.raw.invoice:v1.0"), LENIENT)
    writes = Checked("finance.gdp.invoice:v1.1", seed_schema("finance.gdp.invoice:v1.1"), LENIENT)
    return PartitionPlan("finance_gdp_transform", "jr-p", "s3://w/in.jsonl", raw, writes, transform)


def lines_with_rejects(count: int) -> tuple[list[bytes], set[int]]:
    records: list[Any] = example_a(count)
    bad = {3, 14, 15, 41, count - 1}
    for index in bad:
        records[index]["customer_id"] = None  # the raw schema rejects it
    lines = [orjson.dumps(record) for record in records]
    lines[27] = b"{not json"
    lines.insert(9, b"   ")  # blank: not a record
    return lines, bad | {27}


def test_rejects_in_every_group_are_left_out_with_their_reasons() -> None:
    lines, bad = lines_with_rejects(60)
    out: list[bytes] = []
    quarantine: list[bytes] = []
    stats = run_partition(
        plan(gdp.transform), 0, lines, out=out.append, quarantine=quarantine.append, group=10
    )

    left_out = [QuarantineLine.model_validate_json(line) for line in b"".join(quarantine).splitlines()]
    assert sorted(line.position for line in left_out) == sorted(bad)
    assert all(line.reasons for line in left_out)
    assert [line.raw for line in left_out if line.raw is not None] == ["{not json"]
    written = b"".join(out).splitlines()
    assert (
        (stats.records_in, stats.quarantined, stats.records_out)
        == (60, 6, 54)
        == (60, len(left_out), len(written))
    )
    assert Totals.of([stats]).records_out == 54  # reconciles


def test_a_fold_stage_keeps_partial_totals() -> None:
    lines, bad = lines_with_rejects(50)
    records = [line for line in lines if line.strip()]
    kept = [orjson.loads(line) for at, line in enumerate(records) if at not in bad]
    stats = run_partition(
        plan(kpi.aggregate), 0, lines, out=lambda _: None, quarantine=lambda _: None, group=7
    )
    assert stats.passed == len(kept)
    assert kpi.rows([stats.partial]) == kpi.aggregate(kept)
