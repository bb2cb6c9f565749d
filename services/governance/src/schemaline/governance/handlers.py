"""Governance's handlers: every event is ledgered; some also change the gate's state. One table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from schemaline.contracts import (
    EVENT_MODELS,
    BatchLanded,
    DriftResolved,
    Envelope,
    EventDetail,
    SchemaApproved,
    SchemaDriftDetected,
    SchemaProposed,
    SchemaRejected,
)
from schemaline.governance import effects, ledger
from schemaline.runtime.handling import Tx, TxHandlers

E = TypeVar("E", bound=EventDetail)
Effect = Callable[[Envelope[E], Tx, datetime], Awaitable[None]]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Deps:
    now: Callable[[], datetime] = field(default=_utcnow)


def ledgered(effect: Effect[E] | None = None) -> Callable[[Envelope[E], Deps, Tx], Awaitable[None]]:
    """Ledger the event, then apply its effect, in the one transaction the runtime opened."""

    async def handle(envelope: Envelope[E], deps: Deps, tx: Tx) -> None:
        now = deps.now()
        await ledger.append(
            tx.conn,
            kind="event",
            ref=envelope.id,
            detail_type=envelope.detail_type,
            payload=envelope.to_wire(),
            now=now,
        )
        if effect is not None:
            await effect(envelope, tx, now)

    return handle


HANDLERS = TxHandlers[Deps]()
HANDLERS.on(SchemaDriftDetected, ledgered(effects.on_drift_detected))
HANDLERS.on(DriftResolved, ledgered(effects.on_drift_resolved))
HANDLERS.on(SchemaProposed, ledgered(effects.on_proposed))
HANDLERS.on(SchemaApproved, ledgered(effects.on_approved))
HANDLERS.on(SchemaRejected, ledgered(effects.on_rejected))
HANDLERS.on(BatchLanded, ledgered(effects.on_batch_landed))
for _model in EVENT_MODELS:  # the ledger keeps every event on the bus, with or without an effect
    if _model.DETAIL_TYPE not in HANDLERS.detail_types:
        HANDLERS.on(_model, ledgered())
