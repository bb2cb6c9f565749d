"""The re-run launcher on AWS: a `RunRerunRequested` becomes a `glue:StartJobRun` of the stage's job.

The request carries only what differs from the job's definition (its `DefaultArguments` give the
output path, the input schema and the wiring): the input, the version, the run id and `--rerun-of`.
The stack deploys its consumer: `RerunLauncherRule` invokes `RerunLauncherFunction`, whose handler
(`schemaline.deploy.rerun_lambda`) decodes the event and calls `launch` with an aiobotocore Glue
client (docs/deploy.md).
"""

from __future__ import annotations

from typing import Any, Protocol

from schemaline.contracts import RunRerunRequested
from schemaline.pipelines.rerun import rerun_args
from schemaline.pipelines.runner import ChainConfig


class GlueJobs(Protocol):
    """The one Glue call the launcher makes (an aiobotocore `glue` client is one)."""

    async def start_job_run(self, **request: Any) -> dict[str, Any]: ...


def start_job_run_request(
    request: RunRerunRequested, *, config: ChainConfig | None = None, job_prefix: str = ""
) -> dict[str, Any]:
    """`StartJobRun` parameters: the job is named for the pipeline (with the stack's prefix, if any)."""
    args = rerun_args(request, config)
    arguments = {
        "--input-path": args.input_path,
        "--schema-fqid": str(args.schema_fqid),
        "--run-id": str(args.run_id),
        "--rerun-of": str(request.original_run_id),
    }
    return {"JobName": f"{job_prefix}{request.pipeline_id}", "Arguments": arguments}


async def launch(request: RunRerunRequested, glue: GlueJobs, *, job_prefix: str = "") -> str:
    """Start the re-run; Glue's own job run id back (the run itself is `request.rerun_id`)."""
    answer = await glue.start_job_run(**start_job_run_request(request, job_prefix=job_prefix))
    return str(answer["JobRunId"])
