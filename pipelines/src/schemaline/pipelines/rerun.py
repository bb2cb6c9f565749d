"""A stage run again, on its input, under another schema version: what a `RunRerunRequested` asks.

`rerun_args` turns the request into the job's arguments (its definition's, with the request's input,
schema, run id and `rerun_of`); a launcher runs the job with them: in the embedded stack this
process (`run_rerun`), on AWS a `glue:StartJobRun` with the same arguments.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from schemaline.contracts import PipelineId, RunRerunRequested
from schemaline.pipelines.deps import StageDeps
from schemaline.pipelines.glue import gdp, kpi, raw
from schemaline.pipelines.glue.args import JobArgs
from schemaline.pipelines.results import StageResult
from schemaline.pipelines.runner import ChainConfig, JobTemplate

JobRun = Callable[[JobArgs, StageDeps], Awaitable[StageResult]]


class UnknownJobError(LookupError):
    """The request names a pipeline that is not one of the Glue jobs defined here."""


def _job(pipeline_id: PipelineId, config: ChainConfig) -> tuple[JobTemplate, JobRun]:
    jobs = {config.raw.pipeline_id: (config.raw, raw.run), config.gdp.pipeline_id: (config.gdp, gdp.run)}
    jobs[config.kpi.pipeline_id] = (config.kpi, kpi.run)
    found = jobs.get(pipeline_id)
    if found is None:
        raise UnknownJobError(f"no Glue job is defined for pipeline {pipeline_id} (re-run needs one)")
    return found


def rerun_args(request: RunRerunRequested, config: ChainConfig | None = None) -> JobArgs:
    template, _ = _job(request.pipeline_id, config or ChainConfig.from_definitions())
    return dataclasses.replace(
        template.args(request.inputs[0], request.rerun_id),
        schema_fqid=request.schema_fqid,
        rerun_of=request.original_run_id,
    )


async def run_rerun(
    request: RunRerunRequested, deps: StageDeps, config: ChainConfig | None = None
) -> StageResult:
    """Run the re-run here; its BatchLanded (or PipelineFailed) is announced like any run's."""
    chain = config or ChainConfig.from_definitions()
    _, run = _job(request.pipeline_id, chain)
    return await run(rerun_args(request, chain), deps)
