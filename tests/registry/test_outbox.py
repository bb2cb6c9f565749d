"""Outbox crash tests: a relay killed around the publish loses nothing and has no second effect."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import httpx
from pydantic import SecretStr

from schemaline.contracts import Envelope, SchemaProposed
from schemaline.registry.settings import RegistrySettings, Role
from schemaline.registry.spec import SPEC
from schemaline.runtime.bus import InMemoryTransport, OutgoingMessage, build_bus
from schemaline.runtime.service import start
from schemaline.runtime.settings import BusSettings, DatabaseSettings, OutboxSettings
from tests.support.aio import eventually
from tests.support.registry import auth_settings, bearer, invoice, toy_check


class StallingTransport(InMemoryTransport):
    """Hangs in `publish`, before or after handing the messages on: where a crash would strike."""

    def __init__(self, inner: InMemoryTransport, stall: Literal["before", "after"]) -> None:
        super().__init__()
        self.inner = inner
        self.stall = stall
        self.reached = asyncio.Event()

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        if self.stall == "after":
            await self.inner.publish(messages)
        self.reached.set()
        await asyncio.Event().wait()  # never returns: the process "dies" here

    async def declare(self, service: str, routing_keys: Iterable[str]) -> None:
        await self.inner.declare(service, routing_keys)


def settings(database_url: str) -> RegistrySettings:
    return RegistrySettings(
        database=DatabaseSettings(url=SecretStr(database_url), migrate_on_start=True),
        auth=auth_settings(),
        outbox=OutboxSettings(poll_interval_s=0.05),
    )


async def propose_while_stalled(database_url: str, transport: InMemoryTransport) -> None:
    async with start(SPEC, settings(database_url), transport=transport, checker=toy_check) as service:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(service.app), base_url="http://r"
        ) as client:
            response = await client.post(
                "/api/v1/subjects/finance.gdp.invoice/versions",
                json={"schema": invoice()},
                headers=bearer(Role.PUBLISHER),
            )
            assert response.status_code == 202
        assert isinstance(transport, StallingTransport)
        await asyncio.wait_for(transport.reached.wait(), 10)
        assert service.relay is not None
        assert await service.relay.pending() == 1
    # Leaving `start()` cancelled the relay in the middle of its publish: the "kill".


async def test_relay_killed_between_commit_and_publish_delivers_once_after_restart(database_url: str) -> None:
    broker = InMemoryTransport()
    received: list[Envelope[Any]] = []

    async def governance(envelope: Envelope[Any]) -> None:
        received.append(envelope)

    consumer = build_bus(BusSettings(), transport=broker)
    consumer.subscribe("governance", [SchemaProposed.DETAIL_TYPE], governance)
    await consumer.start()
    try:
        await propose_while_stalled(database_url, StallingTransport(broker, stall="before"))
        assert broker.published == []  # the commit happened, the publish did not

        async with start(SPEC, settings(database_url), transport=broker, checker=toy_check) as restarted:
            assert restarted.relay is not None
            await eventually(lambda: len(received) == 1, what="SchemaProposed after restart")
            await restarted.relay.drain()
            await asyncio.sleep(0.2)  # several more relay rounds
            assert await restarted.relay.pending() == 0
        assert len(received) == 1
        assert len(broker.published) == 1
        assert received[0].detail_type == "SchemaProposed"
    finally:
        await consumer.close()


async def test_relay_killed_between_publish_and_mark_has_one_effect(database_url: str) -> None:
    broker = InMemoryTransport()
    effects: list[str] = []

    async def governance(envelope: Envelope[Any]) -> None:
        effects.append(envelope.id)

    consumer = build_bus(BusSettings(), transport=broker)
    consumer.subscribe("governance", [SchemaProposed.DETAIL_TYPE], governance)
    await consumer.start()
    try:
        await propose_while_stalled(database_url, StallingTransport(broker, stall="after"))
        async with start(SPEC, settings(database_url), transport=broker, checker=toy_check) as restarted:
            assert restarted.relay is not None
            await eventually(lambda: len(broker.published) == 2, what="the re-send after restart")
            await restarted.relay.drain()
            assert await restarted.relay.pending() == 0
        # At least once on the wire, once in effect: the consumer dedupes on the event id.
        assert broker.published[0].message_id == broker.published[1].message_id
        await eventually(lambda: len(effects) == 1, what="the consumer's effect")
        await asyncio.sleep(0.1)
        assert len(effects) == 1
    finally:
        await consumer.close()
