"""The consumer's optional concurrency: several messages in flight, each acked after its handler."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from schemaline.contracts import Envelope
from schemaline.runtime.bus import EventBus, InMemoryTransport, RetryPolicy, Transport, build_transport
from schemaline.runtime.settings import BusSettings
from tests.runtime.bus_contract import landed
from tests.support.aio import eventually

TransportFactory = Callable[[], Transport]


class ConcurrencyContract:
    @pytest.fixture
    def make_transport(self) -> TransportFactory:
        raise NotImplementedError

    @pytest.fixture
    async def buses(self) -> AsyncIterator[list[EventBus]]:
        made: list[EventBus] = []
        yield made
        for bus in made:
            await bus.close()

    async def test_handlers_overlap_up_to_the_limit(
        self, make_transport: TransportFactory, buses: list[EventBus]
    ) -> None:
        bus = EventBus(make_transport(), retry=RetryPolicy(3, 0.01), concurrency=4)
        buses.append(bus)
        active = 0
        peak = 0
        done: list[str] = []
        release = asyncio.Event()

        async def handler(envelope: Envelope[Any]) -> None:
            nonlocal active, peak
            active += 1
            peak = max(peak, active)
            await release.wait()
            active -= 1
            done.append(envelope.id)

        bus.subscribe("alpha", ["BatchLanded"], handler)
        await bus.start()
        await bus.publish_many([landed(n) for n in range(10)])
        await eventually(lambda: active == 4, what="four handlers in flight")
        await asyncio.sleep(0.05)
        assert peak == 4
        release.set()
        await eventually(lambda: len(done) == 10, what="all ten handled")
        assert peak == 4

    async def test_unfinished_messages_come_back_after_close(
        self, make_transport: TransportFactory, buses: list[EventBus]
    ) -> None:
        transport = make_transport()
        first = EventBus(transport, retry=RetryPolicy(3, 0.01), concurrency=3)
        buses.append(first)
        started: list[str] = []

        async def stuck(envelope: Envelope[Any]) -> None:
            started.append(envelope.id)
            await asyncio.Event().wait()

        first.subscribe("alpha", ["BatchLanded"], stuck)
        await first.start()
        sent = [landed(n) for n in range(3)]
        await first.publish_many(sent)
        await eventually(lambda: len(started) == 3, what="three stuck handlers")
        await first.close()

        second = EventBus(transport if isinstance(transport, InMemoryTransport) else make_transport())
        buses.append(second)
        handled: list[str] = []

        async def ok(envelope: Envelope[Any]) -> None:
            handled.append(envelope.id)

        second.subscribe("alpha", ["BatchLanded"], ok)
        await second.start()
        await eventually(lambda: len(handled) == 3, what="redelivery of the unacked three")
        assert sorted(handled) == sorted(e.id for e in sent)


class TestInMemoryConcurrency(ConcurrencyContract):
    @pytest.fixture
    def make_transport(self) -> TransportFactory:
        shared = InMemoryTransport()
        return lambda: shared


@pytest.mark.rabbitmq
class TestRabbitMQConcurrency(ConcurrencyContract):
    @pytest.fixture
    def make_transport(self, rabbit_settings: BusSettings) -> TransportFactory:
        return lambda: build_transport(rabbit_settings)
