"""publish → consume → publish is one trace, with messaging semantic-convention spans."""

import asyncio
import itertools
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from schemaline.contracts import Envelope, PipeCode, PipelineFailed, PipelineId, new_envelope
from schemaline.runtime.bus import (
    EventBridgeTransport,
    EventBus,
    InMemoryTransport,
    RabbitMQTransport,
    Transport,
)
from schemaline.runtime.telemetry import JsonLinesSpanExporter, get_tracer, setup_tracing
from tests.runtime.bus_contract import landed
from tests.support.aio import eventually


async def test_one_trace_spans_publish_process_and_the_follow_up_event() -> None:
    exporter = InMemorySpanExporter()
    provider = setup_tracing("test", exporter, batch=False)
    bus = EventBus(InMemoryTransport(), tracer=get_tracer(provider))
    failures: list[Envelope[Any]] = []

    async def validator(envelope: Envelope[Any]) -> None:
        failed = PipelineFailed(
            pipeline_id=PipelineId("finance_gdp_transform"),
            code=PipeCode.VALIDATION_FAILED,
            message="bad batch",
            component="validator",
        )
        await bus.publish(new_envelope(failed, source="validator", cause=envelope))

    async def ops(envelope: Envelope[Any]) -> None:
        failures.append(envelope)

    bus.subscribe("validator", ["BatchLanded"], validator)
    bus.subscribe("ops", ["PipelineFailed"], ops)
    await bus.start()
    try:
        first = landed(1)
        await bus.publish(first)
        await eventually(lambda: len(failures) == 1, what="the follow-up event")
        await asyncio.sleep(0.05)
    finally:
        await bus.close()

    spans = {span.name: span for span in exporter.get_finished_spans()}
    assert set(spans) == {
        "publish BatchLanded",
        "process BatchLanded",
        "publish PipelineFailed",
        "process PipelineFailed",
    }
    trace_ids = {span.context.trace_id for span in spans.values() if span.context}
    assert len(trace_ids) == 1
    chain = ["publish BatchLanded", "process BatchLanded", "publish PipelineFailed", "process PipelineFailed"]
    for parent, child in itertools.pairwise(chain):
        child_parent = spans[child].parent
        parent_context = spans[parent].context
        assert child_parent is not None
        assert parent_context is not None
        assert child_parent.span_id == parent_context.span_id, f"{child} should follow {parent}"
    publish = spans["publish BatchLanded"]
    assert publish.kind is SpanKind.PRODUCER
    assert spans["process BatchLanded"].kind is SpanKind.CONSUMER
    assert publish.attributes is not None
    assert publish.attributes["messaging.system"] == "in-memory"
    assert publish.attributes["messaging.operation.type"] == "send"
    assert publish.attributes["messaging.message.id"] == first.id
    process_attributes = spans["process BatchLanded"].attributes
    assert process_attributes is not None
    assert process_attributes["messaging.consumer.group.name"] == "validator"
    assert process_attributes["messaging.destination.name"] == "validator", "a consumer reads its queue"
    assert "messaging.rabbitmq.destination.routing_key" not in process_attributes
    follow_up = failures[0]
    assert follow_up.detail.meta.causation_id == first.id
    assert follow_up.detail.meta.correlation_id == "jr-000001"
    assert follow_up.detail.meta.traceparent is not None


def test_the_jsonl_exporter_writes_one_span_a_line(tmp_path: Path) -> None:
    import json

    path = tmp_path / "spans.jsonl"
    provider = setup_tracing("test", JsonLinesSpanExporter(str(path)), batch=False)
    tracer = get_tracer(provider)
    with tracer.start_as_current_span("outer"), tracer.start_as_current_span("inner"):
        pass
    provider.shutdown()
    spans = [json.loads(line) for line in path.read_text().splitlines()]
    assert [span["name"] for span in spans] == ["inner", "outer"]
    assert spans[0]["context"]["trace_id"] == spans[1]["context"]["trace_id"]
    assert spans[0]["parent_id"] == spans[1]["context"]["span_id"]


@pytest.mark.parametrize(
    ("transport", "system", "publish_to", "consume_from", "routing_key"),
    [
        (
            RabbitMQTransport("amqp://unused/", exchange="ex", queue_prefix="p"),
            "rabbitmq",
            "ex",
            "p.validator",
            True,
        ),
        (EventBridgeTransport(event_bus="bus", queue_prefix="p"), "aws_sqs", "bus", "p-validator", False),
    ],
    ids=["rabbitmq", "eventbridge"],
)
def test_each_transport_names_its_destinations_by_the_messaging_conventions(
    transport: Transport, system: str, publish_to: str, consume_from: str, routing_key: bool
) -> None:
    """Publish to the exchange / bus, consume from the queue; the routing key only on RabbitMQ."""
    publish = transport.span_attributes("BatchLanded")
    consume = transport.span_attributes("BatchLanded", "validator")
    assert publish["messaging.system"] == consume["messaging.system"] == system
    assert (publish["messaging.destination.name"], consume["messaging.destination.name"]) == (
        publish_to,
        consume_from,
    )
    key = "messaging.rabbitmq.destination.routing_key"
    assert (key in publish, key in consume) == (routing_key, routing_key)
