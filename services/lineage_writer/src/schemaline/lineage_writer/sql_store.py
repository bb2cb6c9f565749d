"""The lineage store over SQL: PostgreSQL (asyncpg; new rows by COPY, ON CONFLICT as fallback) or SQLite."""

from __future__ import annotations

import json
import operator
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy import func, literal, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.lineage_writer.rows import DatasetLink, EventRows, LineageRow
from schemaline.lineage_writer.store import RUN_FACTS, VERDICTS, RunWindow, resolve_ms
from schemaline.lineage_writer.tables import (
    DATASET_COLUMNS,
    EVENT_COLUMNS,
    lineage_datasets,
    lineage_events,
    metadata,
)
from schemaline.runtime.migrate import create_all

_PG_TYPES = {
    "occurred_at": "timestamptz",
    "recorded_at": "timestamptz",
    "record_count": "bigint",
    "valid_count": "bigint",
    "rejected_count": "bigint",
}


def _unnest_insert(table: str, columns: Sequence[str], conflict: str) -> str:
    arrays = ", ".join(f"${n}::{_PG_TYPES.get(name, 'text')}[]" for n, name in enumerate(columns, start=1))
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays}) "
        f"ON CONFLICT ({conflict}) DO NOTHING"
    )


_PG_INSERT_EVENTS = _unnest_insert("lineage_events", EVENT_COLUMNS, "event_id")
_PG_INSERT_LINKS = _unnest_insert("lineage_datasets", DATASET_COLUMNS, "event_id, role, uri")
_PG_PRESENT = "SELECT event_id FROM lineage_events WHERE event_id = ANY($1::text[])"

# A row or link as the tuple COPY and the unnest arrays take, in column order.
_event_record = operator.attrgetter(*EVENT_COLUMNS)
_link_record = operator.attrgetter(*DATASET_COLUMNS)


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def create_schema(engine: AsyncEngine) -> None:
    """The lineage writer's migration: its tables and the runtime's."""
    await create_all(metadata)(engine)


class PostgresLineageSink:
    """Batched idempotent write with raw asyncpg, one transaction per batch.

    The event id is the primary key, so a redelivered event can never be written twice. The common
    case is a batch of new events, and for it the sink skips ON CONFLICT: it looks up which ids are
    already present, drops those (and repeats within the batch) and COPYs the rest straight into
    both tables; COPY streams, so PostgreSQL inserts while the client still encodes. An event's
    links are written with its row, in the same transaction, so the links of a present event are
    present too. If a concurrent writer commits one of the ids between the look-up and the COPY, the
    primary key refuses it: the COPY is rolled back to a savepoint and the same rows go through
    INSERT … SELECT unnest(…) ON CONFLICT DO NOTHING instead.
    """

    def __init__(self, dsn: str, *, pool_size: int = 4, command_timeout_s: float = 30.0) -> None:
        self.dsn = dsn
        self._pool_size = pool_size
        self._timeout = command_timeout_s
        self._pool: asyncpg.Pool | None = None
        self.conflict_fallbacks = 0  # batches that met a concurrent writer and took the ON CONFLICT path

    async def open(self) -> None:
        self._pool = await asyncpg.create_pool(
            self.dsn, min_size=1, max_size=self._pool_size, command_timeout=self._timeout
        )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def insert_batch(self, batch: Sequence[EventRows]) -> int:
        if self._pool is None:
            raise RuntimeError("PostgresLineageSink used before open()")
        first: dict[str, EventRows] = {}
        for item in batch:  # an event redelivered within the batch is written once
            first.setdefault(item.row.event_id, item)
        async with self._pool.acquire() as conn, conn.transaction():
            present = {r[0] for r in await conn.fetch(_PG_PRESENT, list(first))}
            fresh = [item for event_id, item in first.items() if event_id not in present]
            if not fresh:
                return 0
            try:
                async with conn.transaction():  # a savepoint: a refused COPY leaves the batch usable
                    # Generators, not lists: asyncpg builds each tuple as it encodes the stream, so the
                    # building overlaps PostgreSQL inserting what was already sent.
                    await conn.copy_records_to_table(
                        "lineage_events", records=(_event_record(i.row) for i in fresh), columns=EVENT_COLUMNS
                    )
                    if any(item.links for item in fresh):
                        await conn.copy_records_to_table(
                            "lineage_datasets",
                            records=(_link_record(link) for i in fresh for link in i.links),
                            columns=DATASET_COLUMNS,
                        )
            except asyncpg.UniqueViolationError:
                # A concurrent writer committed one of these ids after the look-up (or an event lists
                # the same link twice): write the same rows the conflict-tolerant way.
                self.conflict_fallbacks += 1
                return await _insert_on_conflict(conn, fresh)
        return len(fresh)


async def _insert_on_conflict(
    conn: asyncpg.pool.PoolConnectionProxy[asyncpg.Record], batch: Sequence[EventRows]
) -> int:
    """The conflict-tolerant write: one INSERT … SELECT unnest(…) ON CONFLICT DO NOTHING per table."""
    rows = [item.row for item in batch]
    links = [link for item in batch for link in item.links]
    status: str = await conn.execute(
        _PG_INSERT_EVENTS, *[[getattr(r, n) for r in rows] for n in EVENT_COLUMNS]
    )
    if links:
        await conn.execute(_PG_INSERT_LINKS, *[[getattr(k, n) for k in links] for n in DATASET_COLUMNS])
    return int(status.rsplit(" ", 1)[-1])


class SqlLineageSink:
    """Batched write through SQLAlchemy Core (SQLite, the embedded default)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def insert_batch(self, batch: Sequence[EventRows]) -> int:
        rows = [item.row.as_dict() for item in batch]
        links = [_link_dict(link) for item in batch for link in item.links]
        async with self._engine.begin() as conn:
            result = await conn.execute(sqlite.insert(lineage_events).on_conflict_do_nothing(), rows)
            if links:
                await conn.execute(sqlite.insert(lineage_datasets).on_conflict_do_nothing(), links)
        return max(int(result.rowcount), 0)


def _link_dict(link: DatasetLink) -> dict[str, Any]:
    return {"event_id": link.event_id, "role": link.role, "uri": link.uri, "run_id": link.run_id}


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value  # SQLite keeps UTC without offset


def _row(record: Any) -> LineageRow:
    values = {name: getattr(record, name) for name in EVENT_COLUMNS}
    for name in ("occurred_at", "recorded_at"):
        values[name] = _utc(values[name])
    return LineageRow(**values)


class SqlLineageReader:
    """The reads behind the queries, on PostgreSQL or SQLite."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def _rows(self, query: Any) -> list[Any]:
        async with self._engine.connect() as conn:
            return list((await conn.execute(query)).all())

    def _events(self) -> Any:
        return select(lineage_events).order_by(lineage_events.c.occurred_at, lineage_events.c.event_id)

    async def events_for_runs(self, run_ids: Sequence[str]) -> list[LineageRow]:
        if not run_ids:
            return []
        return [_row(r) for r in await self._rows(self._events().where(lineage_events.c.run_id.in_(run_ids)))]

    async def events_rerunning(self, run_id: str) -> list[LineageRow]:
        return [_row(r) for r in await self._rows(self._events().where(lineage_events.c.rerun_of == run_id))]

    async def events_for_pipeline(
        self, pipeline_id: str, since: datetime | None, until: datetime | None
    ) -> list[LineageRow]:
        query = self._events().where(lineage_events.c.pipeline_id == pipeline_id)
        if since is not None:
            query = query.where(lineage_events.c.occurred_at >= since)
        if until is not None:
            query = query.where(lineage_events.c.occurred_at < until)
        return [_row(r) for r in await self._rows(query)]

    async def links_for_runs(self, run_ids: Sequence[str]) -> list[DatasetLink]:
        if not run_ids:
            return []
        query = select(lineage_datasets).where(lineage_datasets.c.run_id.in_(run_ids))
        return [DatasetLink(r.event_id, r.role, r.uri, r.run_id) for r in await self._rows(query)]

    async def run_activity(self, window: RunWindow) -> list[str]:
        events = lineage_events.c
        last = func.max(events.occurred_at)
        query = select(events.run_id).where(events.run_id.is_not(None)).group_by(events.run_id)
        if window.pipeline_id is not None:
            query = query.where(events.pipeline_id == window.pipeline_id)
        if window.run_ids:
            query = query.where(events.run_id.in_(window.run_ids))
        if window.since is not None:
            query = query.where(events.occurred_at >= window.since)
        if window.until is not None:
            query = query.where(events.occurred_at < window.until)
        return [r.run_id for r in await self._rows(query.order_by(last.desc(), events.run_id.desc()))]

    async def verdicts_between(self, since: datetime, until: datetime) -> list[tuple[datetime, str]]:
        events = lineage_events.c
        query = (
            select(events.occurred_at, events.validation_result)
            .where(events.detail_type.in_(VERDICTS), events.occurred_at >= since, events.occurred_at < until)
            .order_by(events.occurred_at)
        )
        return [(_utc(r.occurred_at), r.validation_result or "unknown") for r in await self._rows(query)]

    async def validation_times_between(self, since: datetime, until: datetime) -> list[float]:
        events = lineage_events.c
        query = select(events.detail).where(
            events.detail_type == "SchemaValidated", events.occurred_at >= since, events.occurred_at < until
        )
        return [float(json.loads(r.detail)["validation_ms"]) for r in await self._rows(query)]

    async def resolve_times_between(self, since: datetime, until: datetime) -> list[float]:
        events = lineage_events.c
        query = select(events.detail).where(
            events.detail_type.in_(RUN_FACTS), events.occurred_at >= since, events.occurred_at < until
        )
        times = (resolve_ms(json.loads(r.detail)) for r in await self._rows(query))
        return [value for value in times if value is not None]

    async def runs_writing(self, uri_prefix: str) -> list[str]:
        query = (
            select(lineage_datasets.c.run_id)
            .where(
                lineage_datasets.c.role == "output",
                lineage_datasets.c.uri.startswith(uri_prefix, autoescape=True),
                lineage_datasets.c.run_id.is_not(None),
            )
            .distinct()
        )
        return sorted(r.run_id for r in await self._rows(query))

    async def runs_reading(self, uri: str) -> list[str]:
        # The input is the object itself or a folder prefix of it.
        query = (
            select(lineage_datasets.c.run_id)
            .where(
                lineage_datasets.c.role == "input",
                literal(uri).startswith(lineage_datasets.c.uri),
                lineage_datasets.c.run_id.is_not(None),
            )
            .distinct()
        )
        return sorted(r.run_id for r in await self._rows(query))
