"""The PostgreSQL sink's write paths: COPY of new events, and ON CONFLICT when a concurrent writer won."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Sequence

import asyncpg
import pytest

from schemaline.contracts import new_envelope
from schemaline.lineage_writer import sql_store
from schemaline.lineage_writer.batcher import BatchWriter
from schemaline.lineage_writer.rows import EventRows, to_rows
from schemaline.lineage_writer.sql_store import PostgresLineageSink, asyncpg_dsn, create_schema
from schemaline.runtime.db import create_engine
from tests.lineage import example_a as ex

pytestmark = pytest.mark.postgres


@pytest.fixture
async def sink(postgres_url: str) -> AsyncIterator[PostgresLineageSink]:
    engine = create_engine(postgres_url)
    await create_schema(engine)
    await engine.dispose()
    made = PostgresLineageSink(asyncpg_dsn(postgres_url))
    await made.open()
    yield made
    await made.close()


async def _table(sink: PostgresLineageSink, query: str) -> list[tuple[str, ...]]:
    conn = await asyncpg.connect(sink.dsn)
    try:
        return [tuple(record.values()) for record in await conn.fetch(query)]
    finally:
        await conn.close()


async def _stored(sink: PostgresLineageSink) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    events = await _table(sink, "SELECT event_id FROM lineage_events ORDER BY 1")
    links = await _table(sink, "SELECT event_id, role, uri FROM lineage_datasets ORDER BY 1, 2, 3")
    return events, links


def _rows() -> list[EventRows]:
    return [to_rows(e) for e in ex.example_a() + ex.drift_and_rerun() + ex.failed_run()]


def _expected(batch: Sequence[EventRows]) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    events: set[tuple[str, ...]] = {(item.row.event_id,) for item in batch}
    links: set[tuple[str, ...]] = {
        (link.event_id, link.role, link.uri) for item in batch for link in item.links
    }
    return sorted(events), sorted(links)


async def test_a_resent_batch_writes_nothing_twice(sink: PostgresLineageSink) -> None:
    batch = _rows()
    assert await sink.insert_batch(batch) == len(batch)
    assert await sink.insert_batch(batch) == 0
    assert await sink.insert_batch(list(reversed(batch))) == 0
    assert await _stored(sink) == _expected(batch)
    assert sink.conflict_fallbacks == 0


async def test_known_and_repeated_events_in_a_batch_are_written_once(sink: PostgresLineageSink) -> None:
    batch = _rows()
    old, new = batch[:4], batch[4:]
    assert await sink.insert_batch(old) == len(old)
    assert await sink.insert_batch(new[:2] + old + new + new[:3]) == len(new)
    assert await _stored(sink) == _expected(batch)


async def test_a_commit_between_look_up_and_copy_falls_back_to_on_conflict(
    sink: PostgresLineageSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _rows()
    assert await sink.insert_batch(batch[:5]) == 5
    # The look-up sees nothing, as if another writer committed those five right after it.
    monkeypatch.setattr(
        sql_store, "_PG_PRESENT", "SELECT event_id FROM lineage_events WHERE false AND $1::text[] IS NULL"
    )
    assert await sink.insert_batch(batch) == len(batch) - 5
    assert sink.conflict_fallbacks == 1
    assert await sink.insert_batch(batch) == 0
    assert sink.conflict_fallbacks == 2
    assert await _stored(sink) == _expected(batch)


async def test_an_event_listing_a_link_twice_is_written_once(sink: PostgresLineageSink) -> None:
    item = _rows()[0]
    twice = dataclasses.replace(item, links=item.links + item.links)
    assert await sink.insert_batch([twice]) == 1
    assert await _stored(sink) == _expected([item])


def test_repeated_resources_make_one_input_link_each() -> None:
    event = ex.example_a()[1]
    uri = "s3://warehouse/extractor/invoice/"
    envelope = new_envelope(event.detail, source="test", resources=(uri, uri, *event.resources, uri))
    links = [(link.role, link.uri) for link in to_rows(envelope).links]
    assert len(links) == len(set(links))
    assert ("input", uri) in links


async def test_a_bad_event_fails_alone_on_postgres(sink: PostgresLineageSink) -> None:
    good = _rows()
    bad = dataclasses.replace(good[3], row=dataclasses.replace(good[3].row, detail_type="x" * 100))
    writer = BatchWriter(sink, max_rows=100, max_delay_s=0.05)
    await writer.start()
    try:
        results = await asyncio.gather(
            *(writer.write(item) for item in [*good[:3], bad, *good[4:]]), return_exceptions=True
        )
    finally:
        await writer.stop()
    assert isinstance(results[3], asyncpg.StringDataRightTruncationError)
    assert [r for n, r in enumerate(results) if n != 3] == [None] * (len(good) - 1)
    assert await _stored(sink) == _expected(good[:3] + good[4:])
