"""KPI aggregation job: GDP invoices in (checked against `finance.gdp.invoice:^1`), daily totals out.

Its contract declares `finance.kpi.invoice_daily:^1`, validated at build time and at publish: each
run pins the newest published v1.x, checks the row its aggregation builds from a sample invoice
against it before reading any data (build time), and the rows it built before they land (publish).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from schemaline.contracts import Layer
from schemaline.pipelines.deps import StageDeps
from schemaline.pipelines.glue.args import JobArgs
from schemaline.pipelines.glue.job import StageSpec, run_stage
from schemaline.pipelines.glue.main import job_main
from schemaline.pipelines.glue.transforms import FoldStage
from schemaline.pipelines.results import StageResult
from schemaline.pipelines.wiring import DepsFactory

PIPELINE_ID = "finance_kpi_aggregation"


def _day(issued_at: str) -> str:
    moment = datetime.fromisoformat(issued_at.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date().isoformat()


Totals = dict[tuple[str, str], list[float]]


def empty() -> Totals:
    return {}


def add(totals: Totals, record: Any) -> None:
    """Count one invoice that is not void into its (UTC issue day, currency) total."""
    if record.get("status") == "void":
        return
    row = totals.setdefault((_day(record["issued_at"]), record["currency"]), [0, 0.0, 0.0])
    row[0] += 1
    row[1] += record["amount"]
    row[2] += record.get("tax", 0.0)


def rows(partials: list[Totals]) -> list[Any]:
    """The partitions' totals merged, one row per (day, currency), in that order."""
    merged: Totals = {}
    for totals in partials:
        for key, (count, amount, tax) in totals.items():
            row = merged.setdefault(key, [0, 0.0, 0.0])
            row[0] += count
            row[1] += amount
            row[2] += tax
    return [
        {
            "day": day,
            "currency": currency,
            "invoice_count": int(count),
            "amount_total": round(amount, 2),
            "tax_total": round(tax, 2),
        }
        for (day, currency), (count, amount, tax) in sorted(merged.items())
    ]


aggregate = FoldStage(empty, add, rows)
# The build-time check folds this invoice and checks the row it makes against the pinned KPI schema.
SAMPLE = {"status": "paid", "issued_at": "2025-10-07T00:00:00Z", "currency": "EUR", "amount": 1.0, "tax": 0.2}
SPEC = StageSpec(layer=Layer.KPI, component="glue:kpi", transform=aggregate, sample=SAMPLE)


async def run(args: JobArgs, deps: StageDeps) -> StageResult:
    return await run_stage(args, deps, SPEC)


def main(argv: Sequence[str] | None = None, factory: DepsFactory | None = None) -> int:
    return job_main(
        run,
        argv,
        prog="schemaline.pipelines.glue.kpi",
        default_pipeline_id=PIPELINE_ID,
        input_schema_required=True,
        factory=factory,
    )


if __name__ == "__main__":
    raise SystemExit(main())
