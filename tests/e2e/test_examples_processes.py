"""Examples A and B with every service as its own process on PostgreSQL and moto S3, over RabbitMQ,
and over EventBridge → SQS on the stack deploy/aws deployed to moto (provisioning off); with
SCHEMALINE_E2E_IMAGE set, every service as its own container of that image (deploy/images/test.sh).
The operator console runs beside them the same way and serves Example B's pages."""

import asyncio
import functools
import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from schemaline.governance.chain import verify
from schemaline.governance.ledger import read_entries, read_head
from schemaline.lineage_writer.sql_store import SqlLineageReader
from tests.support.aws_stack import AwsStack

from .console_pages import console_shows_example_b
from .examples import example_a, example_b
from .launchers import launcher_for
from .process_stack import BusWiring, eventbridge_bus, process_stack, rabbitmq_bus

# Every service its own process (five imports, migrations, a moto server): minutes on a loaded machine.
pytestmark = [pytest.mark.postgres, pytest.mark.moto, pytest.mark.slow, pytest.mark.timeout(360)]


def _spans(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _trace_of(spans: list[dict[str, Any]], message_id: str) -> str:
    traces = {
        span["context"]["trace_id"]
        for span in spans
        if span["name"] == "publish BatchLanded"
        and span["attributes"].get("messaging.message.id") == message_id
    }
    assert len(traces) == 1, f"BatchLanded {message_id} was published in {len(traces)} traces"
    return str(traces.pop())


def _services_in_trace_of(spans: list[dict[str, Any]], message_id: str) -> set[str]:
    by_trace: dict[str, set[str]] = defaultdict(set)
    for span in spans:
        by_trace[span["context"]["trace_id"]].add(span["resource"]["attributes"]["service.name"])
    return by_trace[_trace_of(spans, message_id)]


@pytest.fixture(
    params=[pytest.param("rabbitmq", marks=pytest.mark.rabbitmq), "eventbridge"],
)
def bus_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_examples_a_and_b_across_processes(
    tmp_path: Path, bus_kind: str, request: pytest.FixtureRequest
) -> None:
    endpoint: str
    wiring: Callable[[str], BusWiring]
    if bus_kind == "rabbitmq":
        endpoint, wiring = request.getfixturevalue("moto_endpoint"), rabbitmq_bus
    else:
        stack: AwsStack = request.getfixturevalue("aws_stack")
        endpoint = stack.endpoint
        wiring = functools.partial(eventbridge_bus, stack.endpoint, stack.outputs)
    async with process_stack(tmp_path, endpoint, wiring, launcher_for(tmp_path)) as processes:
        lineage = SqlLineageReader(processes.lineage_engine)
        chain = await example_a(processes, lineage)
        drift = await example_b(processes, lineage)
        await processes.settle()
        await console_shows_example_b(processes.urls["console"], processes.tokens["approver"], drift)
        entries = [entry async for entry in read_entries(processes.governance_engine)]
        result = verify(entries, head=await read_head(processes.governance_engine))
        assert result.ok, result.render()
        assert len(entries) >= len(processes.events()) - 1
    await asyncio.sleep(0.5)  # the services flushed their spans at exit
    spans = _spans(processes.spans)
    for stage in chain.stages:
        services = _services_in_trace_of(spans, stage.event.id)
        assert {"pipelines", "validator", "lineage_writer", "governance", "drift_detector"} <= services, (
            f"the trace of run {stage.run_id} spans only {sorted(services)}"
        )
    _assert_messaging_attributes(spans, bus_kind)
    _assert_registry_fetches_join_runs(spans, chain.stages[0].event.id)
    _assert_client_spans_join_runs(spans, chain.stages[0].event.id, bus_kind)


def _assert_registry_fetches_join_runs(spans: list[dict[str, Any]], first_batch: str) -> None:
    """The registry's server spans of the run's fetches (the stages', the validator's) are in the
    run's trace: the SDK's requests carry `traceparent`, the registry's app continues it."""
    [run_trace] = {
        span["context"]["trace_id"]
        for span in spans
        if span["name"] == "publish BatchLanded"
        and span["attributes"].get("messaging.message.id") == first_batch
    }
    fetches = [
        span
        for span in spans
        if span["name"] == "GET /api/v1/schema/fetch" and span["context"]["trace_id"] == run_trace
    ]
    assert fetches, "the run's registry fetches are spans of its trace"
    assert {span["resource"]["attributes"]["service.name"] for span in fetches} == {"registry"}
    assert all(span["parent_id"] for span in fetches)


def _assert_client_spans_join_runs(spans: list[dict[str, Any]], first_batch: str, bus_kind: str) -> None:
    """The statements the services run on PostgreSQL and their S3 calls for a run are client spans
    of its trace: the validator reads the landed batch from S3 and its run pins from its database.
    (The lineage writer's rows are written by its batch writer's task, outside any run's span.)"""
    run_trace = _trace_of(spans, first_batch)
    in_run = [span for span in spans if span["context"]["trace_id"] == run_trace]
    seen = sorted({(s["resource"]["attributes"]["service.name"], s["name"]) for s in in_run})
    statements = [span for span in in_run if span["attributes"].get("db.system.name") == "postgresql"]
    services = {span["resource"]["attributes"]["service.name"] for span in statements}
    assert {"validator", "governance", "drift_detector"} <= services, seen
    reads = [
        span
        for span in in_run
        if span["name"] == "S3.GetObject" and span["attributes"].get("aws.s3.bucket") == "warehouse"
    ]
    assert {span["resource"]["attributes"]["service.name"] for span in reads} == {"validator"}, seen
    if bus_kind == "eventbridge":
        assert any(span["name"] == "EventBridge.PutEvents" for span in in_run), seen
    clients = statements + reads
    assert all(span["kind"] == "SpanKind.CLIENT" and span["parent_id"] for span in clients)


def _assert_messaging_attributes(spans: list[dict[str, Any]], bus_kind: str) -> None:
    """Consumer spans name the service's queue; only RabbitMQ's carry a routing key."""
    system = {"rabbitmq": "rabbitmq", "eventbridge": "aws_sqs"}[bus_kind]
    process = [s for s in spans if s["name"] == "process BatchLanded"]
    assert process
    for span in process:
        attributes = span["attributes"]
        assert attributes["messaging.system"] == system
        service = attributes["messaging.consumer.group.name"]
        separator = "." if bus_kind == "rabbitmq" else "-"
        assert attributes["messaging.destination.name"].endswith(f"{separator}{service}")
        assert ("messaging.rabbitmq.destination.routing_key" in attributes) == (bus_kind == "rabbitmq")
