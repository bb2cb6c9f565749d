"""The deployed re-run launcher (`RerunLauncherFunction`) on the stack's moto server: a
`RunRerunRequested` the lineage writer would publish goes onto the stack's bus, comes out as
EventBridge delivers it (through a probe queue on the launcher rule's own pattern: moto cannot
invoke Lambda targets), and the function's handler, run here with the deployed function's
environment, starts the stage's Glue job with the re-run's arguments. What it cannot launch raises,
so Lambda retries it and then dead-letters it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from schemaline.contracts import (
    Layer,
    PipelineId,
    RunId,
    RunRerunRequested,
    Selector,
    new_envelope,
)
from schemaline.contracts.codec import EventDecodeError, encode
from schemaline.deploy.rerun_lambda import handler
from schemaline.pipelines.rerun import UnknownJobError
from schemaline.pipelines.seed import jobs_dir
from schemaline.runtime.bus import OutgoingMessage
from schemaline.runtime.bus.eventbridge_wire import to_entry
from tests.deploy.cfn import resolve
from tests.support.aws_stack import AwsStack

pytestmark = pytest.mark.moto

FUNCTION = "schemaline-rerun-launcher"
JOB = "finance_gdp_transform"
REQUEST = RunRerunRequested(
    original_run_id=RunId("jr-3245dce147"),
    rerun_id=RunId("jr-efbe3d668c"),
    pipeline_id=PipelineId(JOB),
    layer=Layer.GDP,
    schema_fqid=Selector.parse("finance.gdp.invoice:v1.2"),
    inputs=("s3://warehouse/raw/invoice/2025/10/07/run=jr-083f24dcba/part-00000.jsonl",),
    requested_by="ops",
)


@pytest.fixture
def launcher_env(aws_stack: AwsStack, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The deployed function's environment, plus what Lambda sets and the moto endpoint."""
    configuration = aws_stack.client("lambda").get_function(FunctionName=FUNCTION)["Configuration"]
    variables: dict[str, str] = configuration["Environment"]["Variables"]
    env = variables | {"AWS_REGION": "eu-west-1", "SCHEMALINE_AWS_ENDPOINT_URL": aws_stack.endpoint}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def gdp_job(aws_stack: AwsStack) -> Iterator[Any]:
    """The GDP Glue job as pipelines/jobs defines it (the stack leaves Glue jobs out on moto)."""
    glue = aws_stack.client("glue")
    glue.create_job(**json.loads(Path(jobs_dir() / f"{JOB}.json").read_text()))
    yield glue
    glue.delete_job(JobName=JOB)


@pytest.fixture
def delivered(aws_stack: AwsStack) -> Iterator[Any]:
    """Puts an envelope on the stack's bus as the lineage writer's publisher does; returns the
    event EventBridge delivers on the launcher rule's pattern (None when it matches nothing)."""
    sqs, events = aws_stack.client("sqs"), aws_stack.client("events")
    bus = aws_stack.outputs["EventBusName"]
    pattern = resolve().resources()["RerunLauncherRule"]["Properties"]["EventPattern"]
    queue = sqs.create_queue(QueueName="rerun-probe")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="rerun-probe", EventBusName=bus, EventPattern=json.dumps(pattern))
    events.put_targets(Rule="rerun-probe", EventBusName=bus, Targets=[{"Id": "probe", "Arn": arn}])

    def deliver(envelope: Any) -> dict[str, Any] | None:
        message = OutgoingMessage(envelope.detail_type, encode(envelope), str(envelope.id))
        assert events.put_events(Entries=[to_entry(message, bus)])["FailedEntryCount"] == 0
        got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
        for m in got:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
        return json.loads(got[0]["Body"]) if got else None

    try:
        yield deliver
    finally:
        events.remove_targets(Rule="rerun-probe", EventBusName=bus, Ids=["probe"])
        events.delete_rule(Name="rerun-probe", EventBusName=bus)
        sqs.delete_queue(QueueUrl=queue)


def _runs(glue: Any) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = glue.get_job_runs(JobName=JOB)["JobRuns"]
    return runs


def test_the_launcher_is_deployed_as_a_python_312_function_of_the_layer(aws_stack: AwsStack) -> None:
    configuration = aws_stack.client("lambda").get_function(FunctionName=FUNCTION)["Configuration"]
    assert configuration["Handler"] == "schemaline.deploy.rerun_lambda.handler"
    assert configuration["Runtime"] == "python3.12"
    assert configuration["Role"] == aws_stack.outputs["RerunLauncherRoleArn"]
    assert configuration["FunctionArn"] == aws_stack.outputs["RerunLauncherFunctionArn"]
    dlq = aws_stack.outputs["RerunLauncherDLQUrl"]
    assert aws_stack.client("sqs").get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])


def test_a_rerun_request_on_the_bus_starts_the_stage_s_glue_job_with_the_rerun_s_arguments(
    launcher_env: dict[str, str], gdp_job: Any, delivered: Any
) -> None:
    event = delivered(new_envelope(REQUEST, source="schemaline.lineage_writer"))
    assert event is not None, "the launcher rule's pattern did not match a RunRerunRequested"
    started = handler(event, None)
    (run,) = _runs(gdp_job)
    assert run["Id"] == started["job_run_id"]
    assert started["job_name"] == JOB
    # moto, as Glue, runs with the job's DefaultArguments and the run's own over them.
    defaults = gdp_job.get_job(JobName=JOB)["Job"]["DefaultArguments"]
    assert defaults["--schema-fqid"] == "finance.gdp.invoice:v1.1"
    assert run["Arguments"] == defaults | {
        "--input-path": REQUEST.inputs[0],
        "--schema-fqid": "finance.gdp.invoice:v1.2",
        "--run-id": "jr-efbe3d668c",
        "--rerun-of": "jr-3245dce147",
    }


def test_the_launcher_rule_leaves_other_events_alone(delivered: Any) -> None:
    envelope = new_envelope(REQUEST, source="schemaline.lineage_writer")
    assert delivered(envelope.model_copy(update={"detail_type": "SchemaApproved"})) is None


@pytest.mark.parametrize(
    "event",
    [
        "not an event",
        {"detail-type": "RunRerunRequested", "source": "schemaline.lineage_writer", "detail": {}},
        {
            "detail-type": "RunRerunRequested",
            "source": "schemaline.lineage_writer",
            "detail": {**REQUEST.model_dump(mode="json"), "inputs": []},
        },
    ],
    ids=["not-an-object", "empty-detail", "no-inputs"],
)
def test_a_malformed_event_raises_and_starts_nothing(
    event: Any, launcher_env: dict[str, str], gdp_job: Any
) -> None:
    with pytest.raises(EventDecodeError):
        handler(event, None)
    assert _runs(gdp_job) == []


def test_a_request_glue_cannot_start_raises(
    launcher_env: dict[str, str], gdp_job: Any, delivered: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = delivered(new_envelope(REQUEST, source="schemaline.lineage_writer"))
    monkeypatch.setenv("SCHEMALINE_GLUE_JOB_PREFIX", "missing-")  # no such job on Glue
    with pytest.raises(Exception, match="EntityNotFound"):
        handler(event, None)
    assert _runs(gdp_job) == []


def test_a_request_for_a_pipeline_with_no_glue_job_raises(
    launcher_env: dict[str, str], gdp_job: Any, delivered: Any
) -> None:
    """The extractor is a Lambda, not a Glue job: lineage refuses such re-runs, the launcher too."""
    request = REQUEST.model_copy(update={"pipeline_id": PipelineId("finance_invoice_extractor")})
    event = delivered(new_envelope(request, source="schemaline.lineage_writer"))
    with pytest.raises(UnknownJobError):
        handler(event, None)
    assert _runs(gdp_job) == []
