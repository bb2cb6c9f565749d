"""Validator scale-out: batches per second with one replica, then two, on one RabbitMQ queue.

    .venv/bin/python bench/validator_scale.py [--quick]

Each replica is its own process (bench/validator_replica.py: the validator's composition root),
consuming the same queue; their run pins live in one PostgreSQL database. The batches are one
5,000-record invoice object (~2.9 MB) on a moto server's S3 (its own process), announced again and
again by BatchLanded, ten batches per run. With 1, then 2 replicas, after a warm-up, the bench
publishes the batches and times them until every verdict is back: scaling = 2 replicas / 1.
On a 2-core machine the replicas share the cores with RabbitMQ, the moto server and the bench.
The last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg

from invoices import jsonl
from schemaline.contracts import BatchLanded, Envelope, new_envelope
from schemaline.runtime.bus import build_bus
from schemaline.runtime.logging import configure_logging
from schemaline.runtime.objectstore import S3ObjectStore
from schemaline.runtime.settings import BusSettings
from validator_replica import FQID
from validator_service import moto_server

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
BATCH_URI = "s3://warehouse/bench/scale/batch.jsonl"
RECORDS = 5_000
RUN_LENGTH = 10
VERDICTS = ["SchemaValidated", "SchemaDriftDetected", "PipelineFailed"]
HERE = Path(__file__).parent


@contextlib.asynccontextmanager
async def pins_database() -> AsyncIterator[str]:
    name = f"bench_pins_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@contextlib.asynccontextmanager
async def replicas(count: int, exchange: str, prefix: str, endpoint: str, pins: str) -> AsyncIterator[None]:
    script = str(HERE / "validator_replica.py")
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, script, exchange, prefix, endpoint, pins, stdout=asyncio.subprocess.PIPE
        )
        for _ in range(count)
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            line = await process.stdout.readline()
            assert line.strip() == b"ready", f"replica did not start: {line!r}"
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            await asyncio.wait_for(process.wait(), 30)


async def rate(count: int, batches: int, endpoint: str, pins: str) -> float:
    """Batches per second through `count` replicas, from the first BatchLanded to the last verdict."""
    tag = uuid.uuid4().hex[:8]
    exchange, prefix = f"bench.{tag}.events", f"bench.{tag}"
    observer = build_bus(
        BusSettings(transport="rabbitmq", exchange=exchange, queue_prefix=prefix, queue_expires_s=60)
    )
    seen: dict[str, asyncio.Future[None]] = {}

    async def verdict(envelope: Envelope[Any]) -> None:
        future = seen.get(str(envelope.detail.meta.causation_id))
        if future is not None and not future.done():
            future.set_result(None)

    observer.subscribe("bench", VERDICTS, verdict)
    await observer.start()
    try:
        async with replicas(count, exchange, prefix, endpoint, pins):

            async def send(n: int, total: int) -> float:
                landed = [
                    new_envelope(
                        BatchLanded.model_validate(
                            {
                                "pipeline_id": "bench",
                                "run_id": f"jr-{tag}-{n}-{i // RUN_LENGTH}",
                                "layer": "gdp",
                                "declared_fqid": str(FQID),
                                "object_uri": BATCH_URI,
                            }
                        ),
                        source="bench",
                    )
                    for i in range(total)
                ]
                loop = asyncio.get_running_loop()
                futures = [seen.setdefault(e.id, loop.create_future()) for e in landed]
                started = time.perf_counter()
                for envelope in landed:
                    await observer.publish(envelope)
                await asyncio.wait_for(asyncio.gather(*futures), 600)
                return time.perf_counter() - started

            await send(0, 2 * count)  # warm-up: connections, the compiled schema in every replica
            seconds = await send(1, batches)
    finally:
        await observer.close()
    return batches / seconds


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer batches, under 30 s")
    args = parser.parse_args()
    batches = 20 if args.quick else 200
    configure_logging("WARNING")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "bench")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    data = jsonl(RECORDS)
    print(f"batch: {RECORDS:,} records, {len(data) / 1e6:.1f} MB; {batches} batches per measure")
    with moto_server() as endpoint:
        async with S3ObjectStore.connect(endpoint_url=endpoint) as store:
            await store.ensure_bucket("warehouse")
            await store.put_bytes(BATCH_URI, data)
        async with pins_database() as pins:
            one = await rate(1, batches, endpoint, pins)
            print(f"1 replica: {one:.1f} batches/s ({one * RECORDS:,.0f} records/s)")
            two = await rate(2, batches, endpoint, pins)
            print(f"2 replicas: {two:.1f} batches/s ({two * RECORDS:,.0f} records/s)")
    print(f"scaling: {two / one:.2f}")
    print(
        json.dumps(
            {
                "replicas_1_batches_per_s": round(one, 1),
                "replicas_2_batches_per_s": round(two, 1),
                "scaling": round(two / one, 2),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
