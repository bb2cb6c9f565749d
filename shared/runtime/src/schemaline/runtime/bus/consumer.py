"""The consumer loop: decode at the edge, call the handler, ack after success, retry, dead-letter."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from opentelemetry import metrics, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from schemaline.contracts import CATALOG, Envelope, EventDecodeError, PipeCode, decode
from schemaline.runtime.bus.failures import Failure, classify
from schemaline.runtime.bus.port import DeadLetterHook, Handler
from schemaline.runtime.bus.transport import InboundMessage, Transport
from schemaline.runtime.idempotency import RecentIds
from schemaline.runtime.telemetry import context_from_meta

log = structlog.get_logger("schemaline.consumer")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long a message is retried before it is dead-lettered (see `failures` for the kinds)."""

    max_attempts: int = 3  # for an unexpected error (a bug, data the handler chokes on)
    backoff_s: float = 0.2  # first delay; doubles per attempt, with jitter
    retry_for_s: float = 300.0  # for a transient error: a dependency that is down
    max_backoff_s: float = 30.0

    def delay(self, attempt: int) -> float:
        """Between half and all of the doubled delay, so replicas that failed together spread out."""
        ceiling = min(self.max_backoff_s, self.backoff_s * (2 ** min(attempt - 1, 32)))
        return float(ceiling / 2 + random.uniform(0, ceiling / 2))

    def gives_up(self, failure: Failure, times: int, elapsed_s: float, next_delay_s: float) -> bool:
        """After `times` failures of this kind, `elapsed_s` since the first attempt."""
        if failure is Failure.PERMANENT:
            return True
        if failure is Failure.TRANSIENT:
            return elapsed_s + next_delay_s > self.retry_for_s
        return times >= self.max_attempts


DEAD_LETTER_CODE = PipeCode.EVENT_DEAD_LETTERED
DEAD_LETTERS = "schemaline.dead_letters"


def dead_letter_counter(provider: metrics.MeterProvider | None = None) -> metrics.Counter:
    """Messages moved to a DLQ, by `service` and `kind`: what the PIPE-1501 alert watches."""
    meter = (provider or metrics.get_meter_provider()).get_meter("schemaline.runtime.bus")
    return meter.create_counter(
        DEAD_LETTERS, unit="{message}", description="Messages moved to a dead-letter queue (PIPE-1501)"
    )


RESUME_MAX_DELAY_S = 5.0  # a lost stream is retried at least this often, so a reconnect is soon used


@dataclass
class Consumer:
    """Runs one service's handlers over its queue until cancelled; no message failure ends it.

    Each message is settled exactly once (acked, or dead-lettered with its reason) or, when settling
    itself fails (a dead channel), left to the broker, which redelivers it after the reconnect.
    """

    service: str
    transport: Transport
    handlers: Mapping[str, Handler]
    tracer: trace.Tracer
    retry: RetryPolicy = RetryPolicy()
    concurrency: int = 1
    # Only a shortcut for redeliveries just seen: handlers that write state dedupe in their database.
    recent: RecentIds = field(default_factory=RecentIds)
    max_message_bytes: int = 262_144
    on_dead_letter: DeadLetterHook | None = None

    async def run(self) -> None:
        lost = 0
        while True:
            try:
                # aclosing: on cancellation the transport hands back what this consumer had not settled.
                async with contextlib.aclosing(self.transport.consume(self.service)) as messages:
                    if self.concurrency <= 1:
                        async for message in messages:
                            lost = 0
                            await self.process(message)
                    else:
                        await self._run_concurrently(messages)
                reason = "the stream of deliveries ended"
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the broker went away: wait for the reconnect, then consume again
                reason = f"{type(exc).__name__}: {exc}"
            lost += 1
            delay = min(RESUME_MAX_DELAY_S, self.retry.delay(lost))
            log.warning(
                "consumer lost its deliveries, resuming", service=self.service, reason=reason, in_s=delay
            )
            await asyncio.sleep(delay)

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
        """Settle one message; never raises but for cancellation."""
        try:
            await self._process(message)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a failure of the loop itself: the broker redelivers the message
            log.exception(
                "message left unsettled", service=self.service, reason=f"{type(exc).__name__}: {exc}"
            )

    async def _process(self, message: InboundMessage) -> None:
        if len(message.body) > self.max_message_bytes:
            reason = f"{len(message.body)} bytes, more than the {self.max_message_bytes} allowed"
            await self._dead_letter(message, f"malformed message: {reason}", "malformed")
            return
        try:
            envelope = decode(message.body)
        except EventDecodeError as exc:
            await self._dead_letter(message, f"malformed message: {exc}", "malformed")
            return
        except Exception as exc:  # RecursionError on deep nesting, and whatever else a parser raises
            await self._dead_letter(message, f"malformed message: {type(exc).__name__}: {exc}", "malformed")
            return
        handler = self.handlers.get(envelope.detail_type)
        if handler is None:
            await self._dead_letter(
                message, f"no handler for detail-type {envelope.detail_type!r}", "unrouted"
            )
            return
        with structlog.contextvars.bound_contextvars(
            service=self.service,
            event_id=envelope.id,
            detail_type=envelope.detail_type,
            run_id=envelope.detail.meta.correlation_id,
        ):
            if envelope.id in self.recent:
                log.info("duplicate event skipped", redelivered=message.redelivered)
                await self._ack(message)
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
            loop = asyncio.get_running_loop()
            started = loop.time()
            attempt = 0
            # Failures by kind: the few attempts an unexpected error gets are its own, not spent by
            # an outage the message was retried through before.
            failures: Counter[Failure] = Counter()
            while True:
                attempt += 1
                try:
                    await handler(envelope)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    span.record_exception(exc)
                    failure = classify(exc)
                    failures[failure] += 1
                    reason = f"{type(exc).__name__}: {exc}"
                    delay = self.retry.delay(attempt)
                    elapsed = loop.time() - started
                    if self.retry.gives_up(failure, failures[failure], elapsed, delay):
                        span.set_status(Status(StatusCode.ERROR, reason))
                        reason = f"handler failed {attempt} times in {elapsed:.1f} s ({failure}): {reason}"
                        await self._announce(envelope, reason)
                        await self._dead_letter(message, reason, failure.value)
                        return
                    log.warning(
                        "handler failed, retrying",
                        attempt=attempt,
                        failure=str(failure),
                        reason=reason,
                        in_s=delay,
                    )
                    await asyncio.sleep(delay)
                else:
                    break
            self.recent.add(envelope.id)
            await self._ack(message)

    async def _announce(self, envelope: Envelope[Any], reason: str) -> None:
        if self.on_dead_letter is None:
            return
        try:
            await self.on_dead_letter(envelope, reason)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the letter still goes to the DLQ, and its PIPE-1501 line is logged
            log.error("dead-letter hook failed", reason=f"{type(exc).__name__}: {exc}")

    async def _ack(self, message: InboundMessage) -> None:
        try:
            await message.ack()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # A dead channel: the broker redelivers the message, and the redelivery is a duplicate.
            log.warning("ack failed, the broker will redeliver", reason=f"{type(exc).__name__}: {exc}")

    async def _dead_letter(self, message: InboundMessage, reason: str, kind: str) -> None:
        """Move the message to the DLQ; `kind` (malformed, unrouted, transient, permanent,
        unexpected) labels the `schemaline.dead_letters` count that alerts on PIPE-1501."""
        try:
            await self.transport.dead_letter(self.service, message, reason)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # not moved (or moved but not acked): the broker redelivers it
            log.warning(
                "dead-lettering failed, the broker will redeliver",
                reason=reason,
                error=f"{type(exc).__name__}: {exc}",
            )
            return
        entry = CATALOG[DEAD_LETTER_CODE]
        log.error(
            "message dead-lettered",
            service=self.service,
            reason=reason,
            routing_key=message.routing_key,
            message_id=message.message_id,
            pipe_code=DEAD_LETTER_CODE.value,
            operator_action=entry.action,
        )
        # Looked up per letter (they are rare): the process's provider may be set after this module loads.
        dead_letter_counter().add(1, {"service": self.service, "kind": kind})
