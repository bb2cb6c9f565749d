"""Processed-event stores: a redelivered event id has no second effect."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import Column, DateTime, MetaData, String, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

metadata = MetaData()

processed_events = Table(
    "processed_events",
    metadata,
    Column("service", String(64), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("processed_at", DateTime(timezone=True), nullable=False),
)


class ProcessedEvents(Protocol):
    async def seen(self, service: str, event_id: str) -> bool: ...

    async def mark(self, service: str, event_id: str) -> None: ...


class InMemoryProcessedEvents:
    def __init__(self) -> None:
        self._done: set[tuple[str, str]] = set()

    async def seen(self, service: str, event_id: str) -> bool:
        return (service, event_id) in self._done

    async def mark(self, service: str, event_id: str) -> None:
        self._done.add((service, event_id))


async def record_processed(conn: AsyncConnection, service: str, event_id: str) -> bool:
    """Record the event inside the caller's transaction; False when it was already processed.

    Call it in the same transaction as the handler's effect: a unique-key conflict means
    "already done", so the effect and the mark commit or roll back together.
    """
    values = {"service": service, "event_id": event_id, "processed_at": datetime.now(UTC)}
    dialect = conn.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(processed_events).values(**values).on_conflict_do_nothing()
    result = await conn.execute(statement)
    return bool(result.rowcount)


class SqlProcessedEvents:
    """Processed events in the service's own database (PostgreSQL or SQLite)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def create_schema(self) -> None:
        async with self._engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    async def seen(self, service: str, event_id: str) -> bool:
        query = select(processed_events.c.event_id).where(
            processed_events.c.service == service, processed_events.c.event_id == event_id
        )
        async with self._engine.connect() as conn:
            return (await conn.execute(query)).first() is not None

    async def mark(self, service: str, event_id: str) -> None:
        async with self._engine.begin() as conn:
            await record_processed(conn, service, event_id)
