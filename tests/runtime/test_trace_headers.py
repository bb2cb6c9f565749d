"""Trace context also rides in the transports' own headers: AMQP message headers and EventBridge's
`TraceHeader` (X-Ray format); `detail.meta` stays the source of truth that survives replay."""

from __future__ import annotations

import aio_pika
import pytest

from schemaline.contracts import decode
from schemaline.runtime.bus import EventBus, InMemoryTransport, build_transport
from schemaline.runtime.bus.eventbridge_wire import to_entry, xray_trace_header
from schemaline.runtime.bus.transport import OutgoingMessage
from schemaline.runtime.settings import BusSettings
from schemaline.runtime.telemetry import get_tracer, setup_tracing
from tests.runtime.bus_contract import landed
from tests.support.rabbitmq import AMQP_URL

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


async def test_published_messages_carry_the_traceparent_of_their_meta_as_a_header() -> None:
    transport = InMemoryTransport()
    tracer = get_tracer(setup_tracing("test"))
    bus = EventBus(transport, tracer=tracer)
    with tracer.start_as_current_span("run"):
        await bus.publish(landed(1))
    [message] = transport.published
    meta = decode(message.body).detail.meta
    assert meta.traceparent is not None
    assert message.headers == {"traceparent": meta.traceparent}


def test_eventbridge_entries_carry_the_trace_as_an_xray_trace_header() -> None:
    assert xray_trace_header(TRACEPARENT) == (
        "Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=00f067aa0ba902b7;Sampled=1"
    )
    unsampled = xray_trace_header("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
    assert unsampled is not None
    assert unsampled.endswith("Sampled=0")
    assert xray_trace_header(None) is None
    assert xray_trace_header("garbage") is None
    body = landed(2)
    message = OutgoingMessage("BatchLanded", body.model_dump_json(by_alias=True).encode(), body.id)
    assert "TraceHeader" not in to_entry(message, "bus")
    traced = OutgoingMessage(
        message.routing_key, message.body, message.message_id, {"traceparent": TRACEPARENT}
    )
    assert to_entry(traced, "bus")["TraceHeader"].startswith("Root=1-4bf92f35-")


@pytest.mark.rabbitmq
async def test_amqp_messages_carry_the_traceparent_header(rabbit_settings: BusSettings) -> None:
    tracer = get_tracer(setup_tracing("test"))
    bus = EventBus(build_transport(rabbit_settings), tracer=tracer)
    connection = await aio_pika.connect_robust(AMQP_URL)
    try:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            rabbit_settings.exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, routing_key="BatchLanded")
        with tracer.start_as_current_span("run"):
            await bus.publish(landed(3))
        message = await queue.get(timeout=5)
        await message.ack()
    finally:
        await bus.close()
        await connection.close()
    meta = decode(message.body).detail.meta
    assert message.headers["traceparent"] == meta.traceparent
