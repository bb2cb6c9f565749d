"""Idempotency: the processed-event mark commits with the effect; a bounded cache skips the obvious.

The database decides: `record_processed` inserts the event id in the handler's own transaction and
a unique-key conflict means "already done". `RecentIds` only saves the consumer a transaction for a
redelivery it has just seen; it holds a fixed number of ids, so memory stays flat.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from schemaline.runtime.tables import processed_events


async def record_processed(conn: AsyncConnection, service: str, event_id: str) -> bool:
    """Record the event inside the caller's transaction; False when it was already processed."""
    values = {"service": service, "event_id": event_id, "processed_at": datetime.now(UTC)}
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    result = await conn.execute(insert(processed_events).values(**values).on_conflict_do_nothing())
    return bool(result.rowcount)


class RecentIds:
    """The last `capacity` event ids a consumer handled, oldest forgotten first."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, event_id: str) -> None:
        self._ids[event_id] = None
        self._ids.move_to_end(event_id)
        while len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
