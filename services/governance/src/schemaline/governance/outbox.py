"""Transactional outbox: decisions are stored with the effect, published after commit, resent if lost."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from schemaline.contracts import Envelope, EventId, decode, encode
from schemaline.governance.tables import outbox
from schemaline.runtime.bus import Publisher

_NAMESPACE = uuid.UUID("6c1f8a52-5d0e-4e4b-9b1e-3c0f4b7e2a91")


def derived_id(cause_id: str, what: str) -> EventId:
    """The same cause always yields the same id, so a resent decision is deduplicated downstream."""
    return EventId(str(uuid.uuid5(_NAMESPACE, f"{cause_id}:{what}")))


def with_id(envelope: Envelope[Any], event_id: EventId) -> Envelope[Any]:
    return envelope.model_copy(update={"id": event_id})


async def stage(conn: AsyncConnection, envelopes: Sequence[Envelope[Any]]) -> None:
    if not envelopes:
        return
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    now = datetime.now(UTC)
    rows = [{"event_id": e.id, "body": encode(e).decode(), "created_at": now} for e in envelopes]
    await conn.execute(insert(outbox).on_conflict_do_nothing(), rows)


class Outbox:
    """Publishes what was staged and not yet sent; one flush at a time per process."""

    def __init__(self, engine: AsyncEngine, publisher: Publisher) -> None:
        self._engine = engine
        self._publisher = publisher
        self._lock = asyncio.Lock()

    async def flush(self) -> int:
        async with self._lock:
            query = select(outbox.c.event_id, outbox.c.body).where(outbox.c.published_at.is_(None))
            async with self._engine.connect() as conn:
                rows = (await conn.execute(query.order_by(outbox.c.created_at))).all()
            if not rows:
                return 0
            await self._publisher.publish_many([decode(row.body) for row in rows])
            async with self._engine.begin() as conn:
                await conn.execute(
                    update(outbox)
                    .where(outbox.c.event_id.in_([row.event_id for row in rows]))
                    .values(published_at=datetime.now(UTC))
                )
            return len(rows)
