"""The consumer loop: decode at the edge, call the handler, ack after success, retry, dead-letter."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from schemaline.contracts import Envelope, EventDecodeError, decode
from schemaline.runtime.bus.port import Handler
from schemaline.runtime.bus.transport import InboundMessage, Transport
from schemaline.runtime.idempotency import RecentIds
from schemaline.runtime.telemetry import context_from_meta

log = structlog.get_logger("schemaline.consumer")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 3
    backoff_s: float = 0.2

    def delay(self, attempt: int) -> float:
        return float(self.backoff_s * (2 ** (attempt - 1)))


@dataclass
class Consumer:
    """Runs one service's handlers over its queue until cancelled."""

    service: str
    transport: Transport
    handlers: Mapping[str, Handler]
    tracer: trace.Tracer
    retry: RetryPolicy = RetryPolicy()
    concurrency: int = 1
    # Only a shortcut for redeliveries just seen: handlers that write state dedupe in their database.
    recent: RecentIds = field(default_factory=RecentIds)

    async def run(self) -> None:
        # aclosing: on cancellation the transport hands back what this consumer had not settled.
        async with contextlib.aclosing(self.transport.consume(self.service)) as messages:
            if self.concurrency <= 1:
                async for message in messages:
                    await self.process(message)
                return
            await self._run_concurrently(messages)

    async def _run_concurrently(self, messages: AsyncIterator[InboundMessage]) -> None:
        """Up to `concurrency` messages in flight; each is still acked only after its handler returns.

        Handlers that batch their writes (a write-behind buffer they await) need this: one message
        at a time would make every batch a batch of one.
        """
        slots = asyncio.Semaphore(self.concurrency)
        in_flight: set[asyncio.Task[None]] = set()

        async def process_then_release(message: InboundMessage) -> None:
            try:
                await self.process(message)
            finally:
                slots.release()

        try:
            async for message in messages:
                await slots.acquire()
                task = asyncio.create_task(process_then_release(message))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
        finally:
            # Stop what is in flight before the transport takes back the unsettled messages.
            for task in in_flight:
                task.cancel()
            await asyncio.gather(*in_flight, return_exceptions=True)

    async def process(self, message: InboundMessage) -> None:
        try:
            envelope = decode(message.body)
        except EventDecodeError as exc:
            await self._dead_letter(message, f"malformed message: {exc}")
            return
        handler = self.handlers.get(envelope.detail_type)
        if handler is None:
            await self._dead_letter(message, f"no handler for detail-type {envelope.detail_type!r}")
            return
        with structlog.contextvars.bound_contextvars(
            service=self.service,
            event_id=envelope.id,
            detail_type=envelope.detail_type,
            run_id=envelope.detail.meta.correlation_id,
        ):
            if envelope.id in self.recent:
                log.info("duplicate event skipped", redelivered=message.redelivered)
                await message.ack()
                return
            await self._handle(message, envelope, handler)

    async def _handle(self, message: InboundMessage, envelope: Envelope[Any], handler: Handler) -> None:
        parent = context_from_meta(envelope.detail.meta)
        with self.tracer.start_as_current_span(
            f"process {envelope.detail_type}",
            context=parent,
            kind=SpanKind.CONSUMER,
            attributes={
                **self.transport.span_attributes(envelope.detail_type, self.service),
                "messaging.operation.type": "process",
                "messaging.operation.name": "process",
                "messaging.consumer.group.name": self.service,
                "messaging.message.id": envelope.id,
            },
        ) as span:
            for attempt in range(1, self.retry.max_attempts + 1):
                try:
                    await handler(envelope)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    span.record_exception(exc)
                    reason = f"{type(exc).__name__}: {exc}"
                    if attempt == self.retry.max_attempts:
                        span.set_status(Status(StatusCode.ERROR, reason))
                        log.error("handler failed, dead-lettering", attempts=attempt, reason=reason)
                        await self._dead_letter(message, f"handler failed {attempt} times: {reason}")
                        return
                    log.warning("handler failed, retrying", attempt=attempt, reason=reason)
                    await asyncio.sleep(self.retry.delay(attempt))
                else:
                    break
            self.recent.add(envelope.id)
            await message.ack()

    async def _dead_letter(self, message: InboundMessage, reason: str) -> None:
        log.error("message dead-lettered", service=self.service, reason=reason)
        await self.transport.dead_letter(self.service, message, reason)
