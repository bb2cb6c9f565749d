"""The Bus over any transport: traced publishing and one consumer task per subscribed service."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import structlog
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from schemaline.contracts import Envelope, encode
from schemaline.runtime.bus.consumer import Consumer, RetryPolicy
from schemaline.runtime.bus.dead_letters import drain
from schemaline.runtime.bus.port import DeadLetterHook, Handler
from schemaline.runtime.bus.transport import DeadLetter, OutgoingMessage, Transport
from schemaline.runtime.idempotency import RecentIds
from schemaline.runtime.telemetry import current_trace_fields, get_tracer

log = structlog.get_logger("schemaline.bus")


class EventBus:
    """Implements the `Bus` port; transports only move bytes."""

    def __init__(
        self,
        transport: Transport,
        *,
        retry: RetryPolicy | None = None,
        tracer: trace.Tracer | None = None,
        concurrency: int = 1,
        recent_ids: int = 10_000,
        max_message_bytes: int = 262_144,
    ) -> None:
        self.transport = transport
        self.concurrency = concurrency
        self.recent_ids = recent_ids
        self.max_message_bytes = max_message_bytes
        self.retry = retry or RetryPolicy()
        self.tracer = tracer or get_tracer()
        self._handlers: dict[str, dict[str, Handler]] = defaultdict(dict)
        self._dead_letter_hooks: dict[str, DeadLetterHook] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._connected = False

    def subscribe(self, service: str, detail_types: Iterable[str], handler: Handler) -> None:
        for detail_type in detail_types:
            self._handlers[service][detail_type] = handler

    def on_dead_letter(self, service: str, hook: DeadLetterHook) -> None:
        """Call `hook` before one of `service`'s events goes to its DLQ after its handler gave up."""
        self._dead_letter_hooks[service] = hook

    @property
    def consumer_tasks(self) -> tuple[asyncio.Task[None], ...]:
        """One task per subscribed service between `start` and `close`; a done one has stopped consuming."""
        return tuple(self._tasks)

    async def connect(self) -> None:
        if not self._connected:
            await self.transport.connect()
            self._connected = True

    async def start(self) -> None:
        await self.connect()
        for service, handlers in self._handlers.items():
            await self.transport.declare(service, handlers)
            consumer = Consumer(
                service,
                self.transport,
                handlers,
                self.tracer,
                self.retry,
                self.concurrency,
                RecentIds(self.recent_ids),
                self.max_message_bytes,
                self._dead_letter_hooks.get(service),
            )
            self._tasks.append(asyncio.create_task(consumer.run(), name=f"consumer:{service}"))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception as exc:  # a consumer that crashed earlier must not stop the close
                log.error("consumer had crashed", task=task.get_name(), reason=f"{type(exc).__name__}: {exc}")
        self._tasks.clear()
        if self._connected:
            await self.transport.close()
            self._connected = False

    async def publish(self, envelope: Envelope[Any]) -> None:
        await self.publish_many([envelope])

    async def publish_many(self, envelopes: Sequence[Envelope[Any]]) -> None:
        if not envelopes:
            return
        await self.connect()
        messages = []
        spans = []
        for envelope in envelopes:
            span = self.tracer.start_span(
                f"publish {envelope.detail_type}",
                kind=SpanKind.PRODUCER,
                attributes={
                    **self.transport.span_attributes(envelope.detail_type),
                    "messaging.operation.type": "send",
                    "messaging.operation.name": "publish",
                    "messaging.message.id": envelope.id,
                },
            )
            spans.append(span)
            with trace.use_span(span):
                fields = current_trace_fields()
                traced = envelope.with_meta(**fields)
            # `detail.meta` is the source of truth (it survives replay); the transport's own headers
            # (AMQP headers, EventBridge's TraceHeader) carry the same context for tools that read them.
            headers = {key: value for key, value in fields.items() if value}
            messages.append(OutgoingMessage(envelope.detail_type, encode(traced), envelope.id, headers))
        try:
            await self.transport.publish(messages)
        except Exception as exc:
            for span in spans:
                span.record_exception(exc)
                span.set_status(trace.Status(trace.StatusCode.ERROR, str(exc)))
            raise
        finally:
            for span in spans:
                span.end()

    async def dead_letters(self, service: str) -> list[DeadLetter]:
        """Take every letter out of `service`'s DLQ (tests); operators use `dead_letters.redrive`."""
        await self.connect()
        return await drain(self.transport, service)
