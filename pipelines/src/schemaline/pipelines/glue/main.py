"""The command-line entry shared by the job scripts: parse Glue's arguments, wire, run, exit."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence

from schemaline.pipelines.deps import StageDeps
from schemaline.pipelines.glue.args import JobArgs, parse
from schemaline.pipelines.results import StageResult
from schemaline.pipelines.wiring import DEPS_ENV, DepsFactory, factory_from_env

Run = Callable[[JobArgs, StageDeps], Awaitable[StageResult]]


def _extras(argv: Sequence[str] | None) -> argparse.Namespace:
    """`--pipeline-deps module:factory` stands in for the environment variable; `--engine spark`
    runs the partitions on Spark (`--spark-master`; by default the master the platform set, as on
    Glue or under spark-submit)."""
    pick = argparse.ArgumentParser(add_help=False)
    pick.add_argument("--pipeline-deps")
    pick.add_argument("--engine", choices=("python", "spark"), default="python")
    pick.add_argument("--spark-master")
    known, _ = pick.parse_known_args(sys.argv[1:] if argv is None else argv)
    return known


def job_main(
    run: Run,
    argv: Sequence[str] | None,
    *,
    prog: str,
    default_pipeline_id: str,
    input_schema_required: bool,
    factory: DepsFactory | None = None,
) -> int:
    """0 when the batch landed, 1 when the run failed (its PipelineFailed was emitted)."""
    args = parse(
        sys.argv[1:] if argv is None else argv,
        prog=prog,
        default_pipeline_id=default_pipeline_id,
        input_schema_required=input_schema_required,
    )
    extras = _extras(argv)
    override = {DEPS_ENV: extras.pipeline_deps} if extras.pipeline_deps else None
    open_deps = factory or factory_from_env(override)

    async def go() -> StageResult:
        async with open_deps() as deps:
            if extras.engine == "spark":
                from schemaline.pipelines.glue.spark import SparkRunner, local_session

                deps.runner = SparkRunner(local_session(extras.spark_master, prog))
            return await run(args, deps)

    result = asyncio.run(go())
    print(f"{result.pipeline_id} {result.run_id} {result.status.value} {result.output_uri or result.code}")
    return 0 if result.landed else 1
