"""Transactional outbox: events commit with the effect that caused them, then a relay publishes them.

A crash after the commit and before the publish loses nothing: the rows stay unsent and the next
relay round publishes them. A crash after the publish and before the rows are marked sent re-sends
the same event ids, which every consumer deduplicates (delivery is at least once; effects once).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import Row, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from schemaline.contracts import Envelope, decode, encode
from schemaline.runtime.bus.port import Publisher
from schemaline.runtime.settings import OutboxSettings
from schemaline.runtime.tables import outbox

log = structlog.get_logger("schemaline.outbox")


async def stage(conn: AsyncConnection, envelopes: Sequence[Envelope[Any]]) -> None:
    """Write events to the outbox in the caller's transaction; an id staged twice is kept once."""
    if not envelopes:
        return
    now = datetime.now(UTC)
    rows = [
        {"event_id": e.id, "detail_type": e.detail_type, "body": encode(e).decode(), "created_at": now}
        for e in envelopes
    ]
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    await conn.execute(insert(outbox).on_conflict_do_nothing(index_elements=["event_id"]), rows)


class OutboxRelay:
    """Publishes unsent outbox rows in commit order; `notify()` wakes it right after a commit."""

    def __init__(self, engine: AsyncEngine, publisher: Publisher, settings: OutboxSettings) -> None:
        self._engine = engine
        self._publisher = publisher
        self._settings = settings
        self._wake = asyncio.Event()
        # One round at a time in this process (the task and an explicit `drain()` may overlap);
        # on SQLite nothing else stops two rounds from claiming the same rows.
        self._round = asyncio.Lock()
        # PostgreSQL: rows stay locked (SKIP LOCKED) while published, so replicas never send the same row.
        # SQLite has one writer: read, publish, then mark in a fresh transaction.
        self._lock_rows = engine.dialect.name == "postgresql"

    def notify(self) -> None:
        self._wake.set()

    async def relay_once(self) -> int:
        """Publish one batch of unsent events; returns how many were sent."""
        async with self._round:
            if self._lock_rows:
                async with self._engine.begin() as conn:
                    rows = await self._claim(conn)
                    if rows:
                        await self._publish(rows)
                        await self._mark_sent(conn, rows)
                return len(rows)
            async with self._engine.begin() as conn:
                rows = await self._claim(conn)
            if rows:
                await self._publish(rows)
                async with self._engine.begin() as conn:
                    await self._mark_sent(conn, rows)
            return len(rows)

    async def drain(self) -> int:
        sent = 0
        while batch := await self.relay_once():
            sent += batch
        return sent

    async def run(self) -> None:
        """Relay until cancelled: after every wake-up, and at least every poll interval."""
        while True:
            self._wake.clear()
            try:
                await self.drain()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.error("outbox relay failed; retrying", reason=f"{type(exc).__name__}: {exc}")
                await asyncio.sleep(self._settings.retry_backoff_s)
                continue
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that arrives
            # as the wake-up fires, and the relay would then outlive its service.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._settings.poll_interval_s):
                    await self._wake.wait()

    async def pending(self) -> int:
        """Events committed but not yet sent."""
        query = select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        async with self._engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def _claim(self, conn: AsyncConnection) -> Sequence[Row[Any, Any]]:
        query = (
            select(outbox.c.seq, outbox.c.body)
            .where(outbox.c.sent_at.is_(None))
            .order_by(outbox.c.seq)
            .limit(self._settings.batch_size)
        )
        if self._lock_rows:
            query = query.with_for_update(skip_locked=True)
        return (await conn.execute(query)).all()

    async def _publish(self, rows: Sequence[Row[Any, Any]]) -> None:
        await self._publisher.publish_many([decode(row.body) for row in rows])

    async def _mark_sent(self, conn: AsyncConnection, rows: Sequence[Row[Any, Any]]) -> None:
        seqs = [row.seq for row in rows]
        await conn.execute(update(outbox).where(outbox.c.seq.in_(seqs)).values(sent_at=datetime.now(UTC)))
        log.debug("outbox events published", count=len(seqs))
