"""Events/s through the runtime (RabbitMQ → consumer loop → idempotent PostgreSQL insert) vs a bare
aio-pika + asyncpg loop doing the same work, in one process run so the ratio holds on a noisy machine.

Usage: uv run python bench/bus_throughput.py [--quick] [--events N]
Last line: {"runtime_events_per_s": …, "bare_events_per_s": …, "ratio": …}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from typing import Any

import aio_pika
import asyncpg

from schemaline.contracts import BatchLanded, Envelope, encode, new_envelope
from schemaline.runtime.bus import EventBus, RabbitMQTransport
from schemaline.runtime.telemetry import get_tracer, setup_tracing

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
PG_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
PUBLISH_BATCH = 500
PREFETCH = 128
INSERT = "INSERT INTO bench_events (event_id, run_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"


def make_events(count: int) -> list[Envelope[BatchLanded]]:
    return [
        new_envelope(
            BatchLanded.model_validate(
                {
                    "pipeline_id": "finance_gdp_transform",
                    "run_id": f"jr-{n:08d}",
                    "layer": "gdp",
                    "declared_fqid": "finance.gdp.invoice:v1.1",
                    "object_uri": f"s3://warehouse/gdp/invoice/part-{n}.jsonl",
                }
            ),
            source="bench",
        )
        for n in range(count)
    ]


async def reset_table(pool: asyncpg.Pool) -> None:
    await pool.execute("DROP TABLE IF EXISTS bench_events")
    await pool.execute("CREATE TABLE bench_events (event_id text PRIMARY KEY, run_id text NOT NULL)")


async def wait_rows(pool: asyncpg.Pool, count: int) -> None:
    while await pool.fetchval("SELECT count(*) FROM bench_events") < count:  # noqa: ASYNC110 - polls another process
        await asyncio.sleep(0.02)


async def run_runtime(pool: asyncpg.Pool, events: list[Envelope[BatchLanded]]) -> float:
    tag = uuid.uuid4().hex[:8]
    transport = RabbitMQTransport(
        AMQP_URL, exchange=f"bench.{tag}", queue_prefix=f"bench.{tag}", prefetch=PREFETCH
    )
    # Spans are created as in production (a provider with no exporter): their cost is measured.
    bus = EventBus(transport, tracer=get_tracer(setup_tracing("bench")))

    async def write_row(envelope: Envelope[Any]) -> None:
        await pool.execute(INSERT, envelope.id, envelope.detail.run_id)

    bus.subscribe("lineage", ["BatchLanded"], write_row)
    await bus.start()
    try:
        started = time.perf_counter()
        for start in range(0, len(events), PUBLISH_BATCH):
            await bus.publish_many(events[start : start + PUBLISH_BATCH])
        await wait_rows(pool, len(events))
        elapsed = time.perf_counter() - started
    finally:
        await bus.close()
        cleaner = RabbitMQTransport(AMQP_URL, exchange=f"bench.{tag}", queue_prefix=f"bench.{tag}")
        await cleaner.connect()
        await cleaner.delete(["lineage"])
        await cleaner.close()
    return len(events) / elapsed


async def run_bare(pool: asyncpg.Pool, events: list[Envelope[BatchLanded]]) -> float:
    tag = uuid.uuid4().hex[:8]
    bodies = [(envelope.id, envelope.detail.run_id, encode(envelope)) for envelope in events]
    connection = await aio_pika.connect_robust(AMQP_URL)
    try:
        publish_channel = await connection.channel(publisher_confirms=True)
        exchange = await publish_channel.declare_exchange(
            f"bare.{tag}", aio_pika.ExchangeType.TOPIC, durable=True
        )
        consume_channel = await connection.channel()
        await consume_channel.set_qos(prefetch_count=PREFETCH)
        queue = await consume_channel.declare_queue(f"bare.{tag}.lineage", durable=True)
        await queue.bind(f"bare.{tag}", routing_key="BatchLanded")

        async def consume() -> None:
            async with queue.iterator() as messages:
                async for message in messages:
                    payload = json.loads(message.body)
                    await pool.execute(INSERT, payload["id"], payload["detail"]["run_id"])
                    await message.ack()

        consumer = asyncio.create_task(consume())
        started = time.perf_counter()
        for start in range(0, len(bodies), PUBLISH_BATCH):
            await asyncio.gather(
                *(
                    exchange.publish(
                        aio_pika.Message(
                            body,
                            message_id=event_id,
                            content_type="application/json",
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                        ),
                        routing_key="BatchLanded",
                    )
                    for event_id, _run, body in bodies[start : start + PUBLISH_BATCH]
                )
            )
        await wait_rows(pool, len(events))
        elapsed = time.perf_counter() - started
        consumer.cancel()
        await asyncio.gather(consumer, return_exceptions=True)
        await publish_channel.queue_delete(f"bare.{tag}.lineage")
        await publish_channel.exchange_delete(f"bare.{tag}")
    finally:
        await connection.close()
    return len(events) / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (< 30 s)")
    parser.add_argument("--events", type=int, default=None, help="events per round")
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds of each")
    args = parser.parse_args()
    count = args.events or (3_000 if args.quick else 20_000)
    rounds = args.rounds or (1 if args.quick else 3)
    events = make_events(count)
    pool = await asyncpg.create_pool(PG_DSN, min_size=2, max_size=4)
    runtime: list[float] = []
    bare: list[float] = []
    try:
        for round_number in range(1, rounds + 1):
            # Alternate which goes first, so warm-up and drift favour neither.
            order = [("bare", run_bare), ("runtime", run_runtime)]
            if round_number % 2 == 0:
                order.reverse()
            for name, runner in order:
                await reset_table(pool)
                rate = await runner(pool, events)
                (runtime if name == "runtime" else bare).append(rate)
                print(f"round {round_number} {name:<8} {count} events  {rate:>9.0f} events/s", flush=True)
        await pool.execute("DROP TABLE IF EXISTS bench_events")
    finally:
        await pool.close()
    best_runtime, best_bare = max(runtime), max(bare)
    print(
        json.dumps(
            {
                "runtime_events_per_s": round(best_runtime),
                "bare_events_per_s": round(best_bare),
                "ratio": round(best_runtime / best_bare, 3),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
