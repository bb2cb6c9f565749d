"""Build the configured bus from settings (the one place that picks a transport)."""

from __future__ import annotations

from opentelemetry import trace

from schemaline.runtime.bus.consumer import RetryPolicy
from schemaline.runtime.bus.event_bus import EventBus
from schemaline.runtime.bus.eventbridge import EventBridgeTransport
from schemaline.runtime.bus.memory import InMemoryTransport
from schemaline.runtime.bus.rabbitmq import RabbitMQTransport
from schemaline.runtime.bus.transport import Transport
from schemaline.runtime.settings import BusSettings


def build_transport(settings: BusSettings) -> Transport:
    if settings.transport == "rabbitmq":
        return RabbitMQTransport(
            settings.amqp_url.get_secret_value(),
            exchange=settings.exchange,
            queue_prefix=settings.queue_prefix,
            prefetch=settings.prefetch,
            queue_expires_s=settings.queue_expires_s,
        )
    if settings.transport == "eventbridge":
        return EventBridgeTransport(
            event_bus=settings.event_bus,
            region=settings.aws_region,
            endpoint_url=settings.aws_endpoint_url,
            queue_prefix=settings.queue_prefix,
            wait_time_s=settings.wait_time_s,
            visibility_timeout_s=settings.visibility_timeout_s,
            provision=settings.provision,
        )
    transport = InMemoryTransport()
    transport.destination = settings.exchange
    return transport


def build_bus(
    settings: BusSettings,
    *,
    tracer: trace.Tracer | None = None,
    transport: Transport | None = None,
) -> EventBus:
    return EventBus(
        transport or build_transport(settings),
        retry=RetryPolicy(
            settings.max_attempts, settings.retry_backoff_s, settings.retry_for_s, settings.max_backoff_s
        ),
        tracer=tracer,
        concurrency=settings.concurrency,
        recent_ids=settings.recent_ids,
        max_message_bytes=settings.max_message_bytes,
    )
