"""Consumers that never die, on RabbitMQ and PostgreSQL: a dropped link, a database outage, poison."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Column, MetaData, String, Table, insert

from schemaline.contracts import BatchLanded, Envelope
from schemaline.runtime.bus import EventBus, RabbitMQTransport, RetryPolicy
from schemaline.runtime.handling import TxHandlers
from schemaline.runtime.service import Parts, ServiceSpec, start
from schemaline.runtime.settings import BusSettings, DatabaseSettings, ServiceSettings
from tests.lineage.proxy import TcpProxy
from tests.runtime.bus_contract import landed
from tests.support.aio import eventually
from tests.support.rabbitmq import AMQP_URL, drop_connections

pytestmark = [pytest.mark.rabbitmq]


@pytest.mark.slow
async def test_a_connection_dropped_while_a_message_is_held_at_concurrency_1_does_not_stop_the_consumer(
    rabbit_settings: BusSettings,
) -> None:
    name = f"{rabbit_settings.queue_prefix} held"
    transport = RabbitMQTransport(
        AMQP_URL,
        exchange=rabbit_settings.exchange,
        queue_prefix=rabbit_settings.queue_prefix,
        queue_expires_s=60,
        connection_name=name,
    )
    bus = EventBus(transport, retry=RetryPolicy(3, 0.01), concurrency=1)
    effects: Counter[str] = Counter()
    holding = asyncio.Event()
    release = asyncio.Event()

    async def handler(envelope: Envelope[Any]) -> None:
        if not release.is_set():
            holding.set()
            await release.wait()
        effects[envelope.id] += 1

    bus.subscribe("alpha", ["BatchLanded"], handler)
    publisher = EventBus(RabbitMQTransport(AMQP_URL, exchange=rabbit_settings.exchange, queue_prefix="x"))
    try:
        await bus.start()
        held = landed(1)
        await publisher.publish(held)
        await asyncio.wait_for(holding.wait(), 10)
        assert await asyncio.to_thread(drop_connections, name) == 1
        release.set()  # the handler returns; its ack meets a dead channel
        canary = landed(2)
        await publisher.publish(canary)
        await eventually(lambda: effects[canary.id] == 1, within=30, what="the canary after the drop")
        assert effects[held.id] >= 1, "the held event was handled (and its redelivery, if any, once more)"
        assert not any(task.done() for task in bus.consumer_tasks)
        assert await bus.dead_letters("alpha") == []
    finally:
        await bus.close()
        await publisher.close()


# ---- a database outage during the processed-event check ----------------------------------------

effects_table = Table("effects", MetaData(), Column("event_id", String(64), primary_key=True))


async def record(envelope: Envelope[BatchLanded], _deps: None, tx: Any) -> None:
    await tx.conn.execute(insert(effects_table).values(event_id=envelope.id))


HANDLERS = TxHandlers[None]()
HANDLERS.on(BatchLanded, record)


@contextlib.asynccontextmanager
async def no_deps(_parts: Parts[ServiceSettings]) -> AsyncIterator[None]:
    yield None


STATEFUL = ServiceSpec(
    name="stateful",
    settings=ServiceSettings,
    handlers=HANDLERS,
    open=no_deps,
    tables=(effects_table.metadata,),
)


@pytest.mark.postgres
@pytest.mark.slow
async def test_a_database_outage_during_the_processed_check_is_retried_not_dead_lettered(
    rabbit_settings: BusSettings, postgres_url: str
) -> None:
    proxy = TcpProxy("127.0.0.1", 5432)
    await proxy.start()
    url = postgres_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    bus = rabbit_settings.model_copy(update={"max_attempts": 2, "retry_for_s": 60, "max_backoff_s": 0.3})
    settings = ServiceSettings(bus=bus, database=DatabaseSettings(url=SecretStr(url), migrate_on_start=True))
    driver = EventBus(RabbitMQTransport(AMQP_URL, exchange=rabbit_settings.exchange, queue_prefix="x"))
    try:
        async with start(STATEFUL, settings) as running:
            await proxy.stop()  # the next `begin` (processed check, then effect) cannot connect
            sent = [landed(10 + n) for n in range(3)]
            await driver.publish_many(sent)
            await asyncio.sleep(2.0)  # far more than max_attempts quick retries
            await proxy.start()
            engine = running.engine
            assert engine is not None

            async def recorded() -> set[str]:
                async with engine.connect() as conn:
                    rows = await conn.execute(effects_table.select())
                    return {row.event_id for row in rows}

            done: set[str] = set()

            async def poll() -> None:
                while done != {e.id for e in sent}:
                    done.clear()
                    done.update(await recorded())
                    await asyncio.sleep(0.1)

            await asyncio.wait_for(poll(), 30)
            assert await running.bus.dead_letters("stateful") == []
    finally:
        await driver.close()
        await proxy.stop()
