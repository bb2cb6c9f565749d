"""Raw layer job: the landed extract, checked structurally against the raw schema, copied into raw."""

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

PIPELINE_ID = "finance_raw_ingest"


def keep(record: Any) -> Any:
    """Raw keeps records as they came: the raw schema's open model lets new fields through."""
    return record


copy = MapStage(keep)
SPEC = StageSpec(layer=Layer.RAW, component="glue:raw", transform=copy)


async def run(args: JobArgs, deps: StageDeps) -> StageResult:
    return await run_stage(args, deps, SPEC)


def main(argv: Sequence[str] | None = None, factory: DepsFactory | None = None) -> int:
    return job_main(
        run,
        argv,
        prog="schemaline.pipelines.glue.raw",
        default_pipeline_id=PIPELINE_ID,
        input_schema_required=False,
        factory=factory,
    )


if __name__ == "__main__":
    raise SystemExit(main())
