"""Handlers bound to their dependencies: one table per service, typed by event, dispatched once.

A handler is a plain async function of its typed event, the service's dependencies and what it
answers through:

    async def on_published(envelope: Envelope[SchemaPublished], deps: Deps, tx: Tx) -> None

`TxHandlers` run each event in one database transaction that also records the event as processed
(a duplicate is skipped) and stages what the handler emits in the outbox; the relay publishes it
after the commit. `Handlers` are for services that keep no state of their own per event: what they
emit is published once they return. Either way the emitted ids derive from the event handled, so a
redelivery emits nothing new.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from schemaline.contracts import Envelope, EventDetail, derived_id, new_envelope
from schemaline.runtime.bus.port import DeadLetterHook, Handler, Publisher
from schemaline.runtime.idempotency import record_processed
from schemaline.runtime.outbox import OutboxRelay, stage

log = structlog.get_logger("schemaline.handling")

E = TypeVar("E", bound=EventDetail)
D = TypeVar("D")
C = TypeVar("C", bound="Emitter")


class Emitter:
    """Collects the events a handler emits in answer to `cause`."""

    def __init__(self, cause: Envelope[Any], source: str) -> None:
        self.cause = cause
        self.source = source
        self.emitted: list[Envelope[Any]] = []

    def emit(
        self, detail: EventDetail, purpose: str, *, about: str | None = None, resources: tuple[str, ...] = ()
    ) -> Envelope[Any]:
        """Emit `detail`; its id derives from (`about` or the cause's id, `purpose`), so it is stable."""
        event_id = derived_id(about if about is not None else self.cause.id, purpose)
        envelope = new_envelope(
            detail, source=self.source, cause=self.cause, resources=resources, event_id=event_id
        )
        self.emitted.append(envelope)
        return envelope


class Tx(Emitter):
    """An `Emitter` inside the transaction that records the event as processed."""

    def __init__(self, conn: AsyncConnection, cause: Envelope[Any], source: str) -> None:
        super().__init__(cause, source)
        self.conn = conn


@dataclass(frozen=True)
class Binding:
    """What the runtime gives a handler table when it binds it: where answers go."""

    service: str
    publisher: Publisher
    engine: AsyncEngine | None = None
    relay: OutboxRelay | None = None

    @property
    def source(self) -> str:
        return self.service


class _Table(Generic[D, C]):
    def __init__(self) -> None:
        self._table: dict[type[EventDetail], Callable[[Envelope[Any], D, C], Awaitable[None]]] = {}
        self._dead_letter: Callable[[Envelope[Any], D, str], Awaitable[None]] | None = None

    def on_dead_letter(self, hook: Callable[[Envelope[Any], D, str], Awaitable[None]]) -> None:
        """Call `hook(envelope, deps, reason)` when an event's handler gave up, before its DLQ."""
        self._dead_letter = hook

    def bind_dead_letter(self, deps: D) -> DeadLetterHook | None:
        hook = self._dead_letter
        if hook is None:
            return None

        async def announce(envelope: Envelope[Any], reason: str) -> None:
            await hook(envelope, deps, reason)

        return announce

    def on(self, event: type[E], handler: Callable[[Envelope[E], D, C], Awaitable[None]]) -> None:
        if event in self._table:
            raise ValueError(f"{event.DETAIL_TYPE} already has a handler")
        self._table[event] = handler

    @property
    def detail_types(self) -> tuple[str, ...]:
        return tuple(event.DETAIL_TYPE for event in self._table)

    def bind(self, deps: D, binding: Binding) -> Mapping[str, Handler]:
        return {
            event.DETAIL_TYPE: self._bind(handler, deps, binding) for event, handler in self._table.items()
        }

    def _bind(
        self, handler: Callable[[Envelope[Any], D, C], Awaitable[None]], deps: D, binding: Binding
    ) -> Handler:
        raise NotImplementedError


class Handlers(_Table[D, Emitter]):
    """Handlers whose answers are published as soon as they return."""

    def _bind(
        self, handler: Callable[[Envelope[Any], D, Emitter], Awaitable[None]], deps: D, binding: Binding
    ) -> Handler:
        async def handle(envelope: Envelope[Any]) -> None:
            out = Emitter(envelope, binding.source)
            await handler(envelope, deps, out)
            await binding.publisher.publish_many(out.emitted)

        return handle


class TxHandlers(_Table[D, Tx]):
    """Handlers that run in one transaction with the processed-event mark and the outbox."""

    def _bind(
        self, handler: Callable[[Envelope[Any], D, Tx], Awaitable[None]], deps: D, binding: Binding
    ) -> Handler:
        engine, relay = binding.engine, binding.relay
        if engine is None or relay is None:
            raise TypeError(f"{binding.service}: transactional handlers need a database and an outbox")

        async def handle(envelope: Envelope[Any]) -> None:
            async with engine.begin() as conn:
                if not await record_processed(conn, binding.service, envelope.id):
                    log.info("event already processed", event_id=envelope.id)
                    return
                tx = Tx(conn, envelope, binding.source)
                await handler(envelope, deps, tx)
                await stage(conn, tx.emitted)
            if tx.emitted:
                relay.notify()

        return handle
