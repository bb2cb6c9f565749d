"""The re-run launcher's Lambda entry point: `schemaline.deploy.rerun_lambda.handler`.

deploy/aws/schemaline.yaml's `RerunLauncherRule` sends each `RunRerunRequested` on the bus to this
function (`RerunLauncherFunction`, the validation layer's packages). EventBridge hands it the event
as it would hand it to an SQS queue, so it is read back into the published envelope the way the
EventBridge transport reads a queue's message, then decoded by the contracts codec; `launch` starts
the stage's Glue job. Anything that goes wrong raises: EventBridge invokes asynchronously, so Lambda
retries the event and then moves it to the function's dead-letter queue, never dropping a request.

| environment | meaning |
|---|---|
| `SCHEMALINE_GLUE_JOB_PREFIX` | before the pipeline id, the Glue job's name (the stack's: empty) |
| `AWS_REGION` | Glue's region (Lambda sets it) |
| `SCHEMALINE_AWS_ENDPOINT_URL` | a moto server in tests; unset on AWS |
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Mapping
from typing import Any

from schemaline.contracts import RunRerunRequested
from schemaline.contracts.codec import EventDecodeError, decode
from schemaline.deploy.launcher import launch
from schemaline.runtime.aws import aws_session
from schemaline.runtime.bus.eventbridge_wire import from_sqs_body

log = logging.getLogger("schemaline.deploy.rerun_lambda")
log.setLevel(logging.INFO)  # Lambda's root logger is at WARNING; CloudWatch keeps what is logged here

JOB_PREFIX_ENV = "SCHEMALINE_GLUE_JOB_PREFIX"
ENDPOINT_ENV = "SCHEMALINE_AWS_ENDPOINT_URL"


def request_of(event: Any) -> RunRerunRequested:
    """The request an EventBridge event carries; EventDecodeError for anything else."""
    if not isinstance(event, dict):
        raise EventDecodeError(f"an EventBridge event is a JSON object, got {type(event).__name__}")
    body, _ = from_sqs_body(json.dumps(event), account=str(event.get("account", "")))
    detail = decode(body).detail
    if not isinstance(detail, RunRerunRequested):
        raise EventDecodeError(f"expected {RunRerunRequested.DETAIL_TYPE}, got {detail.DETAIL_TYPE}")
    return detail


async def start(event: Any, environ: Mapping[str, str]) -> dict[str, str]:
    """Start the Glue job run the event asks for; what was started."""
    request = request_of(event)
    prefix = environ.get(JOB_PREFIX_ENV, "")
    async with aws_session().create_client(
        "glue", region_name=environ.get("AWS_REGION"), endpoint_url=environ.get(ENDPOINT_ENV) or None
    ) as glue:
        job_run_id = await launch(request, glue, job_prefix=prefix)
    started = {
        "job_name": f"{prefix}{request.pipeline_id}",
        "job_run_id": job_run_id,
        "run_id": str(request.rerun_id),
        "rerun_of": str(request.original_run_id),
    }
    log.info("re-run %(run_id)s of %(rerun_of)s: Glue job %(job_name)s run %(job_run_id)s", started)
    return started


def handler(event: Any, context: Any) -> dict[str, str]:
    """One `RunRerunRequested` → one `glue:StartJobRun`; raises (so Lambda retries) when it cannot."""
    return asyncio.run(start(event, os.environ))
