"""Governance's handler: every event is ledgered; some also change the gate's state. One table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.contracts import EVENT_MODELS, Envelope, EventDetail
from schemaline.governance import ledger
from schemaline.governance.effects import EFFECTS
from schemaline.governance.outbox import Outbox, stage
from schemaline.governance.settings import SERVICE
from schemaline.runtime.idempotency import record_processed

log = structlog.get_logger("schemaline.governance")


@dataclass(frozen=True)
class Deps:
    engine: AsyncEngine
    outbox: Outbox


async def record(envelope: Envelope[Any], deps: Deps) -> None:
    """Ledger the event and apply its effect in one transaction; publish the answers after commit."""
    now = datetime.now(UTC)
    async with deps.engine.begin() as conn:
        if await record_processed(conn, SERVICE, envelope.id):
            await ledger.append(
                conn,
                kind="event",
                ref=envelope.id,
                detail_type=envelope.detail_type,
                payload=envelope.to_wire(),
                now=now,
            )
            effect = EFFECTS.get(type(envelope.detail))
            answers = await effect(conn, envelope, now) if effect is not None else []
            await stage(conn, answers)
        else:
            log.info("event already ledgered", event_id=envelope.id)
    # Also sends anything a crash left staged but unsent.
    await deps.outbox.flush()


def handlers(deps: Deps) -> Mapping[type[EventDetail], Any]:
    """Every event type on the bus goes to the ledger."""

    async def handle(envelope: Envelope[Any]) -> None:
        await record(envelope, deps)

    return {model: handle for model in EVENT_MODELS}
