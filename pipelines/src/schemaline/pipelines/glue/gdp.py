"""GDP transform job: raw invoices in (checked against the raw schema), curated invoices out.

The transform normalises codes and amounts and keeps every field it does not know, so a field
the GDP schema does not describe (Example B's `invoice_region_code`) reaches GDP validation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from schemaline.contracts import Layer
from schemaline.pipelines.deps import StageDeps
from schemaline.pipelines.glue.args import JobArgs
from schemaline.pipelines.glue.job import StageSpec, run_stage
from schemaline.pipelines.glue.main import job_main
from schemaline.pipelines.glue.transforms import MapStage
from schemaline.pipelines.results import StageResult
from schemaline.pipelines.wiring import DepsFactory

PIPELINE_ID = "finance_gdp_transform"


def curate(record: dict[str, Any]) -> dict[str, Any]:
    """One raw invoice as a GDP invoice: upper-case codes, lower-case status, amounts to cents."""
    out = dict(record)  # unknown fields travel on
    for name in ("invoice_id", "customer_id"):
        if isinstance(out.get(name), str):
            out[name] = out[name].strip()
    for name in ("currency", "country"):
        if isinstance(out.get(name), str):
            out[name] = out[name].strip().upper()
    if isinstance(out.get("status"), str):
        out["status"] = out["status"].strip().lower()
    for name in ("amount", "tax"):
        if isinstance(out.get(name), int | float) and not isinstance(out[name], bool):
            out[name] = round(float(out[name]), 2)
    return out


transform = MapStage(curate)
SPEC = StageSpec(layer=Layer.GDP, component="glue:gdp", transform=transform)


async def run(args: JobArgs, deps: StageDeps) -> StageResult:
    return await run_stage(args, deps, SPEC)


def main(argv: Sequence[str] | None = None, factory: DepsFactory | None = None) -> int:
    return job_main(
        run,
        argv,
        prog="schemaline.pipelines.glue.gdp",
        default_pipeline_id=PIPELINE_ID,
        input_schema_required=True,
        factory=factory,
    )


if __name__ == "__main__":
    raise SystemExit(main())
