"""Dead letters on every service's API and the CLI: listed, shown, redriven one at a time, never lost."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from schemaline.cli.main import main
from schemaline.contracts import BatchLanded, Envelope, encode
from schemaline.runtime.bus import (
    EventBus,
    InMemoryTransport,
    OutgoingMessage,
    PermanentError,
    RabbitMQTransport,
    RetryPolicy,
)
from schemaline.runtime.bus.dead_letters import drain, peek, redrive
from schemaline.runtime.handling import Emitter, Handlers
from schemaline.runtime.http.app import create_api_app
from schemaline.runtime.service import Parts, Running, ServiceSpec, start
from schemaline.runtime.settings import BusSettings, Role, ServiceSettings
from tests.runtime.bus_contract import landed
from tests.support.aio import eventually
from tests.support.dead_letters import Letter
from tests.support.metrics import global_meter_provider, points
from tests.support.rabbitmq import AMQP_URL
from tests.support.registry import TOKENS, auth_settings, bearer
from tests.support.serving import serve


class Broken:
    """A handler dependency that refuses everything until it is mended."""

    def __init__(self) -> None:
        self.mended = False
        self.handled: list[str] = []


async def handle(envelope: Envelope[BatchLanded], deps: Broken, _out: Emitter) -> None:
    if not deps.mended:
        raise ValueError("the warehouse rejected the batch")
    deps.handled.append(envelope.id)


HANDLERS = Handlers[Broken]()
HANDLERS.on(BatchLanded, handle)


@contextlib.asynccontextmanager
async def open_broken(_parts: Parts[ServiceSettings], *, broken: Broken) -> AsyncIterator[Broken]:
    yield broken


def api(_deps: Broken, parts: Parts[ServiceSettings]) -> FastAPI:
    from schemaline.runtime.http.auth import TokenTable

    return create_api_app(
        title="alpha", description="a test service", tokens=TokenTable(parts.settings.auth.tokens), routers=[]
    )


ALPHA = ServiceSpec(name="alpha", settings=ServiceSettings, handlers=HANDLERS, open=open_broken, api=api)


@contextlib.asynccontextmanager
async def running_alpha(transport: InMemoryTransport) -> AsyncIterator[tuple[Running[Any, Broken], Broken]]:
    broken = Broken()
    settings = ServiceSettings(bus=BusSettings(retry_backoff_s=0.001), auth=auth_settings())
    async with start(ALPHA, settings, transport=transport, broken=broken) as running:
        yield running, broken


async def test_list_show_and_redrive_through_the_api(capsys: pytest.CaptureFixture[str]) -> None:
    transport = InMemoryTransport()
    async with running_alpha(transport) as (running, broken):
        events = [landed(n) for n in range(3)]
        await running.bus.publish_many(events)
        await transport.publish([OutgoingMessage("BatchLanded", b"\xff not an event", "junk")])
        await eventually(lambda: transport.idle(), what="four messages dead-lettered")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(running.app), base_url="http://a") as http:
            listed = (await http.get("/api/v1/dlq", headers=bearer(Role.RUNNER))).json()
            assert (listed["service"], listed["count"]) == ("alpha", 4)
            assert [letter["message_id"] for letter in listed["letters"]] == [e.id for e in events] + ["junk"]
            assert (
                "(unexpected): ValueError: the warehouse rejected the batch" in listed["letters"][0]["reason"]
            )
            assert listed["letters"][3]["reason"].startswith("malformed message: not JSON")
            shown = (await http.get(f"/api/v1/dlq/{events[1].id}", headers=bearer(Role.RUNNER))).json()
            assert json.loads(shown["body"])["id"] == events[1].id
            missing = await http.get("/api/v1/dlq/nope", headers=bearer(Role.RUNNER))
            assert missing.status_code == 404
            refused = await http.post("/api/v1/dlq/redrive", headers=bearer(Role.RUNNER))
            assert refused.status_code == 403, "a runner reads dead letters; redriving takes a publisher"

            broken.mended = True
            redriven = (await http.post("/api/v1/dlq/redrive", headers=bearer(Role.PUBLISHER))).json()
            assert redriven == {"service": "alpha", "republished": 3, "kept": 1}
            await eventually(lambda: len(broken.handled) == 3, what="the three events handled after redrive")
            assert sorted(broken.handled) == sorted(e.id for e in events)
            left = (await http.get("/api/v1/dlq", headers=bearer(Role.RUNNER))).json()
            assert [letter["message_id"] for letter in left["letters"]] == ["junk"]
            assert left["letters"][0]["reason"].startswith("malformed message: not JSON")


async def test_the_cli_lists_shows_and_redrives(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    transport = InMemoryTransport()
    async with running_alpha(transport) as (running, broken), serve(running.app) as url:
        event = landed(1)
        await running.bus.publish(event)
        await eventually(lambda: transport.idle(), what="the event dead-lettered")

        async def dlq(*args: str) -> int:
            return await asyncio.to_thread(main, ["dlq", *args, "--url", url])

        monkeypatch.setenv("SCHEMALINE_TOKEN", TOKENS[Role.RUNNER])
        assert await dlq("list", "lineage") == 1, "letters found"
        assert "1 dead letter(s) in alpha" in capsys.readouterr().out
        assert await dlq("show", "lineage", event.id, "--json") == 0
        assert json.loads(capsys.readouterr().out)["message_id"] == event.id
        assert await dlq("show", "lineage", "nope") == 2
        assert await dlq("redrive", "lineage") == 2, "a runner token may not redrive"
        monkeypatch.setenv("SCHEMALINE_TOKEN", TOKENS[Role.PUBLISHER])
        broken.mended = True
        capsys.readouterr()
        assert await dlq("redrive", "lineage", "--json") == 0
        assert json.loads(capsys.readouterr().out) == {"service": "alpha", "republished": 1, "kept": 0}
        await eventually(lambda: broken.handled == [event.id], what="the redriven event handled")
        assert await dlq("list", "lineage") == 0
    assert await asyncio.to_thread(main, ["dlq", "list", "lineage", "--url", "http://127.0.0.1:9"]) == 3


# ---- a redrive killed half-way, on RabbitMQ ---------------------------------------------------


@pytest.mark.rabbitmq
@pytest.mark.slow
class _HaltingTransport(RabbitMQTransport):
    """Stops for good half-way through a redrive: after `after` letters, holding the next one."""

    def __init__(self, *args: Any, after: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.after = after
        self.redelivered = 0
        self.halted = asyncio.Event()

    async def redeliver(self, service: str, body: bytes, routing_key: str, message_id: str | None) -> None:
        if self.redelivered == self.after:
            self.halted.set()
            await asyncio.Event().wait()  # until cancelled: the process dies here
        await super().redeliver(service, body, routing_key, message_id)
        self.redelivered += 1


async def test_a_redrive_killed_half_way_loses_no_letter(rabbit_settings: BusSettings) -> None:
    def transport() -> RabbitMQTransport:
        return RabbitMQTransport(
            AMQP_URL,
            exchange=rabbit_settings.exchange,
            queue_prefix=rabbit_settings.queue_prefix,
            queue_expires_s=60,
        )

    events = [landed(n) for n in range(1000)]
    first = _HaltingTransport(
        AMQP_URL,
        exchange=rabbit_settings.exchange,
        queue_prefix=rabbit_settings.queue_prefix,
        queue_expires_s=60,
        after=len(events) // 2,
    )
    await first.connect()
    await first.declare("alpha", ["BatchLanded"])
    for event in events:
        await first.dead_letter("alpha", Letter(encode(event)), "handler failed")
    await first.dead_letter("alpha", Letter(b"{not json"), "malformed message: not JSON")

    redriving = asyncio.create_task(redrive(first, "alpha"))
    async with asyncio.timeout(60):
        await first.halted.wait()  # half redriven, one more letter taken and not yet sent
    redriving.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await redriving
    await first.close()  # the connection dies: what it held goes back to the DLQ

    second = transport()
    await second.connect()
    await second.declare("alpha", ["BatchLanded"])
    try:
        in_dlq = await drain(second, "alpha")
        queued = []
        async with contextlib.aclosing(second.consume("alpha")) as deliveries:
            while True:
                try:
                    message = await asyncio.wait_for(anext(deliveries), 1.0)
                except TimeoutError:
                    break
                queued.append(message.message_id)
                await message.ack()
        dlq_ids = {letter.message_id for letter in in_dlq}
        assert len(queued) == len(events) // 2, "killed half-way"
        assert dlq_ids | set(queued) >= {e.id for e in events}, "every letter is in the DLQ or redelivered"
        assert any(letter.body == b"{not json" for letter in in_dlq), "the undecodable letter stays"
    finally:
        await second.close()


async def test_peek_leaves_letters_in_order() -> None:
    transport = InMemoryTransport()
    for n in range(5):
        await transport.dead_letter("alpha", Letter(encode(landed(n))), f"reason {n}")
    first = [letter.reason for letter in await peek(transport, "alpha", 3)]
    assert first == ["reason 0", "reason 1", "reason 2"]
    assert [letter.reason for letter in await peek(transport, "alpha", 10)] == [
        f"reason {n}" for n in range(5)
    ]


async def test_every_dead_letter_is_counted_by_service_and_kind_for_the_pipe_1501_alert() -> None:
    reader = InMemoryMetricReader()
    with global_meter_provider(MeterProvider(metric_readers=[reader])):
        bus = EventBus(InMemoryTransport(), retry=RetryPolicy(3, 0.01))

        async def refusing(_envelope: Envelope[Any]) -> None:
            raise PermanentError("no such pipeline")

        bus.subscribe("alpha", ["BatchLanded"], refusing)
        await bus.start()
        try:
            await bus.transport.publish([OutgoingMessage("BatchLanded", b"{not json", "m-1")])
            await bus.publish(landed(1))
            await bus.publish(landed(2))
            async with asyncio.timeout(10):
                while await bus.transport.dead_letter_count("alpha") < 3:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
        finally:
            await bus.close()
        counted = {
            (labels["service"], labels["kind"]): point.value
            for point in points(reader, "schemaline.dead_letters")
            if (labels := point.attributes) is not None
        }
    assert counted == {("alpha", "malformed"): 1, ("alpha", "permanent"): 2}
