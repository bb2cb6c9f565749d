"""A PostgreSQL outage during writes loses nothing: the writer retries, then DLQs with PIPE-1402."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import asyncpg
import pytest
from pydantic import SecretStr

from schemaline.contracts import Envelope, PipeCode, PipelineFailed
from schemaline.lineage_writer.redrive import redrive
from schemaline.lineage_writer.settings import SERVICE, LineageSettings
from schemaline.lineage_writer.spec import SPEC
from schemaline.runtime.bus import build_bus
from schemaline.runtime.service import start
from schemaline.runtime.settings import BusSettings, DatabaseSettings
from tests.lineage.example_a import STAGES, landed
from tests.lineage.proxy import TcpProxy
from tests.support.aio import eventually

pytestmark = [pytest.mark.rabbitmq, pytest.mark.postgres, pytest.mark.slow]


def batch(prefix: str, count: int) -> list[Envelope[Any]]:
    stage = STAGES[1]
    return [
        landed(
            {**stage, "run_id": f"jr-{prefix}-{n:04d}", "output": f"s3://warehouse/raw/{prefix}/{n}.jsonl"},
            _now(),
        )
        for n in range(count)
    ]


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


async def stored(postgres_url: str, ids: Sequence[str]) -> set[str]:
    conn = await asyncpg.connect(postgres_url.replace("+asyncpg", ""))
    try:
        query = "SELECT event_id FROM lineage_events WHERE event_id = ANY($1::text[])"
        rows = await conn.fetch(query, list(ids))
    finally:
        await conn.close()
    return {row["event_id"] for row in rows}


@pytest.fixture
async def proxy() -> AsyncIterator[TcpProxy]:
    made = TcpProxy("127.0.0.1", 5432)
    await made.start()
    yield made
    await made.stop()


def writer_settings(
    rabbit_settings: BusSettings,
    postgres_url: str,
    proxy: TcpProxy,
    *,
    attempts: int,
    backoff: float,
    retry_for_s: float = 60,
) -> LineageSettings:
    bus_settings = rabbit_settings.model_copy(
        update={
            "max_attempts": attempts,
            "retry_backoff_s": backoff,
            "retry_for_s": retry_for_s,
            "max_backoff_s": 0.5,
            "concurrency": 32,
        }
    )
    through_proxy = postgres_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    database = DatabaseSettings(url=SecretStr(through_proxy), migrate_on_start=True)
    return LineageSettings(bus=bus_settings, database=database)


async def test_a_short_outage_is_ridden_out_by_retries(
    rabbit_settings: BusSettings, postgres_url: str, proxy: TcpProxy
) -> None:
    settings = writer_settings(rabbit_settings, postgres_url, proxy, attempts=6, backoff=0.2)
    driver = build_bus(rabbit_settings)
    before, during = batch("before", 40), batch("during", 40)
    async with start(SPEC, settings):
        await driver.publish_many(before)
        ids = [e.id for e in before]
        for _ in range(500):
            if await stored(postgres_url, ids) == set(ids):
                break
            await asyncio.sleep(0.02)
        await proxy.stop()
        await driver.publish_many(during)
        await asyncio.sleep(0.5)  # writes fail and are retried meanwhile
        await proxy.start()
        every = ids + [e.id for e in during]
        for _ in range(1000):
            if await stored(postgres_url, every) == set(every):
                break
            await asyncio.sleep(0.02)
        assert await stored(postgres_url, every) == set(every)
        assert await driver.dead_letters(SERVICE) == []
    await driver.close()


async def test_a_long_outage_ends_in_pipe_1402_and_the_dlq_then_redrive_loses_nothing(
    rabbit_settings: BusSettings, postgres_url: str, proxy: TcpProxy
) -> None:
    settings = writer_settings(
        rabbit_settings, postgres_url, proxy, attempts=3, backoff=0.01, retry_for_s=0.5
    )
    driver = build_bus(rabbit_settings)
    alerts: list[PipelineFailed] = []

    async def probe(envelope: Envelope[Any]) -> None:
        alerts.append(envelope.detail)

    driver.subscribe("ops_probe", ["PipelineFailed"], probe)
    await driver.start()
    events = batch("outage", 20)
    ids = {e.id for e in events}
    async with start(SPEC, settings):
        await proxy.stop()
        await driver.publish_many(events)
        await eventually(lambda: len(alerts) >= len(events), within=60, what="a PIPE-1402 per event")
        assert {alert.failed_event_id for alert in alerts} == ids
        assert {alert.code for alert in alerts} == {PipeCode.METADATA_SYNC_FAILURE}
        assert all(alert.component == SERVICE for alert in alerts)

        letters: list[Any] = []

        async def collect() -> None:
            letters.extend(await driver.dead_letters(SERVICE))

        for _ in range(300):
            await collect()
            if ids <= {_event_id(letter.body) for letter in letters}:
                break
            await asyncio.sleep(0.05)
        dead = {_event_id(letter.body) for letter in letters}
        assert ids <= dead, "every event that could not be written is in the DLQ"
        assert all("(transient)" in letter.reason for letter in letters), "an outage is retried, then DLQ"
        assert await stored(postgres_url, list(ids)) == set()

        # The operator action: PostgreSQL is back, re-run the metadata writer.
        await proxy.start()
        for letter in letters:
            await driver.transport.dead_letter(
                SERVICE, _Requeue(letter.body, letter.routing_key), "test refill"
            )
        republished, unreadable = await redrive(driver)
        # At-least-once: letters that arrived after the drain above are redriven too.
        assert unreadable == 0
        assert republished >= len(letters)
        for _ in range(500):
            if await stored(postgres_url, list(ids)) == ids:
                break
            await asyncio.sleep(0.02)
        assert await stored(postgres_url, list(ids)) == ids
    await driver.close()


def _event_id(body: bytes) -> str:
    import json

    value: str = json.loads(body)["id"]
    return value


class _Requeue:
    """A delivered-message stand-in, to put drained dead letters back where redrive reads them."""

    def __init__(self, body: bytes, routing_key: str) -> None:
        self.body = body
        self.routing_key = routing_key
        self.message_id: str | None = None
        self.redelivered = False

    async def ack(self) -> None:
        return None

    async def requeue(self) -> None:
        return None
