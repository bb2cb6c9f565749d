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


def _deps_override(argv: Sequence[str] | None) -> dict[str, str] | None:
    """`--pipeline-deps module:factory` (a job argument) stands in for the environment variable."""
    pick = argparse.ArgumentParser(add_help=False)
    pick.add_argument("--pipeline-deps")
    known, _ = pick.parse_known_args(sys.argv[1:] if argv is None else argv)
    return {DEPS_ENV: known.pipeline_deps} if known.pipeline_deps else None


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
    open_deps = factory or factory_from_env(_deps_override(argv))

    async def go() -> StageResult:
        async with open_deps() as deps:
            return await run(args, deps)

    result = asyncio.run(go())
    print(f"{result.pipeline_id} {result.run_id} {result.status.value} {result.output_uri or result.code}")
    return 0 if result.landed else 1
