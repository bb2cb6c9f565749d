"""Lineage writer throughput: events/s drained from RabbitMQ into PostgreSQL by the real service, and
rows/s of its batched idempotent write alone (PostgresLineageSink.insert_batch: look-up of present ids,
COPY of the new rows; ON CONFLICT only when a concurrent writer won).

Usage: .venv/bin/python bench/lineage_write.py [--quick]
Last line: {"consumer_events_per_s": …, "write_rows_per_s": …}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
from pydantic import SecretStr

from schemaline.contracts import BatchLanded, Envelope, SchemaValidated, new_envelope
from schemaline.lineage_writer.rows import to_rows
from schemaline.lineage_writer.settings import SERVICE, LineageSettings
from schemaline.lineage_writer.spec import SPEC
from schemaline.lineage_writer.sql_store import PostgresLineageSink, create_schema
from schemaline.runtime.bus import RabbitMQTransport, build_bus
from schemaline.runtime.db import create_engine
from schemaline.runtime.service import start
from schemaline.runtime.settings import BusSettings, DatabaseSettings

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
PUBLISH_BATCH = 500
WRITE_BATCH = 5000


def make_events(count: int) -> list[Envelope[Any]]:
    events: list[Envelope[Any]] = []
    for n in range(count // 2):
        run = f"jr-bench-{n:08d}"
        uri = f"s3://warehouse/gdp/invoice/2025/10/07/part-{n}.jsonl"
        landed = BatchLanded.model_validate(
            {
                "pipeline_id": "finance_gdp_transform",
                "run_id": run,
                "layer": "gdp",
                "declared_fqid": "finance.gdp.invoice:v1.1",
                "object_uri": uri,
                "record_count": 1000,
            }
        )
        validated = SchemaValidated.model_validate(
            {
                "pipeline_id": "finance_gdp_transform",
                "run_id": run,
                "layer": "gdp",
                "schema_fqid": "finance.gdp.invoice:v1.1",
                "object_uri": uri,
                "record_count": 1000,
                "valid_count": 1000,
                "validation_ms": 3.2,
            }
        )
        events.append(new_envelope(landed, source="bench", resources=("s3://warehouse/raw/invoice/", uri)))
        events.append(new_envelope(validated, source="bench"))
    return events


async def count_rows(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM lineage_events"))
    finally:
        await conn.close()


async def bench_write(url: str, rows: int) -> float:
    engine = create_engine(url.replace("postgresql://", "postgresql+asyncpg://"))
    await create_schema(engine)
    await engine.dispose()
    batches = [[to_rows(event) for event in make_events(WRITE_BATCH)] for _ in range(rows // WRITE_BATCH)]
    sink = PostgresLineageSink(url)
    await sink.open()
    try:
        await sink.insert_batch(batches[0])  # warm the pool and the plans
        started = time.perf_counter()
        for batch in batches[1:]:
            await sink.insert_batch(batch)
        elapsed = time.perf_counter() - started
        resent = time.perf_counter()
        assert await sink.insert_batch(batches[-1]) == 0  # redelivered: nothing is written twice
        resent = time.perf_counter() - resent
    finally:
        await sink.close()
    written = WRITE_BATCH * (len(batches) - 1)
    links = sum(len(item.links) for batch in batches[1:] for item in batch)
    assert await count_rows(url) == WRITE_BATCH * len(batches)
    print(f"  ({(written + links) / elapsed:,.0f} rows/s counting the {links:,} dataset-link rows too)")
    print(f"  (a re-sent batch of {WRITE_BATCH}: {WRITE_BATCH / resent:,.0f} rows/s, nothing written)")
    return written / elapsed


async def bench_consumer(url: str, events: list[Envelope[Any]]) -> float:
    tag = uuid.uuid4().hex[:8]
    bus_settings = BusSettings(
        transport="rabbitmq",
        exchange=f"bench.{tag}",
        queue_prefix=f"bench.{tag}",
        prefetch=1024,
        concurrency=512,
        queue_expires_s=120,
    )
    settings = LineageSettings(
        bus=bus_settings,
        database=DatabaseSettings(
            url=SecretStr(url.replace("postgresql://", "postgresql+asyncpg://")), migrate_on_start=True
        ),
    )
    # Declare the service's queue and fill it first: the figure is the writer draining a backlog.
    loader = RabbitMQTransport(
        AMQP_URL, exchange=bus_settings.exchange, queue_prefix=bus_settings.queue_prefix, queue_expires_s=120
    )
    await loader.connect()
    await loader.declare(SERVICE, SPEC.handlers.detail_types)
    publisher = build_bus(bus_settings, transport=loader)
    for first in range(0, len(events), PUBLISH_BATCH):
        await publisher.publish_many(events[first : first + PUBLISH_BATCH])
    started = time.perf_counter()
    async with start(SPEC, settings):
        while await count_rows(url) < len(events):  # noqa: ASYNC110 - polls the database the service writes
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
    await loader.delete([SERVICE])
    await loader.close()
    await asyncio.sleep(0.2)  # let aio-pika's close callbacks run before the loop ends
    return len(events) / elapsed


async def with_database(work: Any) -> float:
    name = f"bench_lineage_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        result: float = await work(f"postgresql://postgres@127.0.0.1:5432/{name}")
        return result
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="finish in under 30 seconds")
    args = parser.parse_args()
    rows = 30_000 if args.quick else 300_000
    events = make_events(6_000 if args.quick else 40_000)
    write = await with_database(lambda url: bench_write(url, rows))
    print(f"batched idempotent write: {write:,.0f} lineage rows/s ({rows:,} rows, batches of {WRITE_BATCH})")
    consumer = await with_database(lambda url: bench_consumer(url, events))
    print(f"consumer RabbitMQ → PostgreSQL: {consumer:,.0f} events/s ({len(events):,} events)")
    # aio-pika leaves close callbacks of closed connections pending: end them while the loop runs,
    # or their complaints would land after the JSON line.
    others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)
    when = datetime.now(UTC).isoformat(timespec="seconds")
    print(f"measured {when} on {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(json.dumps({"consumer_events_per_s": round(consumer), "write_rows_per_s": round(write)}))


if __name__ == "__main__":
    asyncio.run(main())
