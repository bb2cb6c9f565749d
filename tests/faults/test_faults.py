"""Faults on services running as processes: SIGKILL mid-backlog, a dropped broker connection while
messages are held, poison messages, a redrive killed half-way. Each: 0 lost, 0 duplicated, a canary
gets through afterwards, and the recovery time is recorded."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from schemaline.contracts import Envelope, encode
from schemaline.runtime.bus import EventBus, OutgoingMessage
from schemaline.runtime.bus.dead_letters import peek
from tests.e2e.process_stack import free_port
from tests.faults.stack import Figures, ServiceProcess, publisher, service_process
from tests.faults.workloads import WORKLOADS, Workload
from tests.support.rabbitmq import drop_connections

pytestmark = [pytest.mark.rabbitmq, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(600)]

# Events queued before a SIGKILL (half as many for a dropped connection). Smaller for the services
# added later, to keep `make faults` short on two cores: the drift detector handles ~40 events/s here,
# the registry's proposals are made through its API first, the validator's test starts a registry, and
# each alert is handled, then delivered over HTTP by a loop of its own.
BACKLOG = {
    "lineage_writer": 2000,
    "governance": 2000,
    "drift_detector": 1000,
    "registry": 600,
    "validator": 1000,
    "alerts": 600,
}
# Events queued before the connection is dropped: half as many, but for the alerts service, which
# handles ~100 events/s at concurrency 1 (its deliveries lag behind): fewer would all be handled
# before the broker (rabbitmqctl, a few seconds) closes the connection.
DROP_BACKLOG = {service: count // 2 for service, count in BACKLOG.items()} | {"alerts": 1200}
STATEFUL = list(BACKLOG)


@contextlib.asynccontextmanager
async def running(
    service: str, tmp_path: Path, **settings: str
) -> AsyncIterator[tuple[Workload, ServiceProcess, EventBus]]:
    """`service` as a process, with what it needs, its workload counting its effects."""
    work = WORKLOADS[service]()
    async with (
        work.needs(tmp_path) as needed,
        service_process(service, tmp_path, **(needed | settings)) as target,
        work.serving(target),
    ):
        bus = await publisher(target)
        try:
            yield work, target, bus
        finally:
            await bus.close()


async def wait_for(
    work: Workload,
    target: ServiceProcess,
    ids: list[str],
    count: int,
    within_s: float = 240,
    *,
    handled: bool = False,
) -> float:
    """Seconds until `count` of these events have their effect (with `handled`: were handled)."""
    started = time.perf_counter()
    async with asyncio.timeout(within_s):
        while (await work.handled(ids) if handled else (await work.effects(ids))[1]) < count:
            if not target.alive():
                raise AssertionError(f"{target.service} died: {target.log_tail()}")
            await asyncio.sleep(0.1)
    return time.perf_counter() - started


async def canary(work: Workload, target: ServiceProcess, bus: EventBus, tag: str) -> None:
    event = (await work.events(f"{tag}-canary", 1))[0]
    await bus.publish(event)
    await wait_for(work, target, [str(event.id)], 1, within_s=60)


async def tally(work: Workload, events: list[Envelope[Any]]) -> tuple[int, int]:
    """(lost, duplicated) effects of `events`."""
    effects, distinct = await work.effects([str(e.id) for e in events])
    return len(events) - distinct, effects - distinct


def noted(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


@pytest.mark.parametrize("service", STATEFUL)
async def test_sigkill_mid_backlog(service: str, tmp_path: Path, record: list[Figures]) -> None:
    async with running(service, tmp_path) as (work, target, bus):
        events = await work.events("kill", BACKLOG[service])
        ids = [str(e.id) for e in events]
        await bus.publish_many(events)
        await wait_for(work, target, ids, len(events) // 3, handled=True)
        target.kill()
        done_at_kill = await work.handled(ids)
        assert done_at_kill < len(events), "the kill should land mid-backlog"
        started = time.perf_counter()
        await target.start()
        await wait_for(work, target, ids, len(events))
        recovery = time.perf_counter() - started
        await canary(work, target, bus, "kill")
        lost, duplicated = await tally(work, events)
        record.append(
            Figures(
                "SIGKILL mid-backlog",
                service,
                len(events),
                lost,
                duplicated,
                recovery,
                noted(f"killed at {done_at_kill}", work.note()),
            )
        )
        assert (lost, duplicated) == (0, 0)


@pytest.mark.parametrize("service", STATEFUL)
async def test_connection_dropped_while_messages_are_held(
    service: str, tmp_path: Path, record: list[Figures]
) -> None:
    async with running(service, tmp_path, BUS__CONCURRENCY="1") as (work, target, bus):
        events = await work.events("drop", DROP_BACKLOG[service])
        ids = [str(e.id) for e in events]
        await bus.publish_many(events)
        await wait_for(work, target, ids, len(events) // 4, handled=True)
        dropped_at: list[int] = []
        for _ in range(2):  # twice: the connection and the consumer must come back each time
            async with asyncio.timeout(30):
                # Not reconnected yet (the broker says): ask again.
                while not await asyncio.to_thread(drop_connections, target.connection_name):  # noqa: ASYNC110
                    await asyncio.sleep(0.2)
            dropped_at.append(await work.handled(ids))
            await asyncio.sleep(0.5)
        started = time.perf_counter()
        await wait_for(work, target, ids, len(events))
        recovery = time.perf_counter() - started
        await canary(work, target, bus, "drop")
        lost, duplicated = await tally(work, events)
        record.append(
            Figures(
                "broker connection dropped twice, concurrency 1",
                service,
                len(events),
                lost,
                duplicated,
                recovery,
                noted(f"dropped at {dropped_at[0]} and {dropped_at[1]} handled", work.note()),
            )
        )
        assert (lost, duplicated) == (0, 0)
        assert target.alive()


def poison(detail_type: str) -> dict[str, bytes]:
    """Messages no consumer of `detail_type` can decode, by what is wrong with them."""
    return {
        "deep": b"[" * 10_000 + b"]" * 10_000,
        "huge": b'{"x": "' + b"a" * 300_000 + b'"}',
        "binary": bytes(range(256)) * 4,
        "wrong shape": json.dumps(
            {"detail-type": detail_type, "source": "x", "detail": {"run_id": 7}}
        ).encode(),
        "unknown type": b'{"detail-type": "Nope", "source": "x", "detail": {}}',
    }


@pytest.mark.parametrize("service", STATEFUL)
async def test_poison_messages(service: str, tmp_path: Path, record: list[Figures]) -> None:
    async with running(service, tmp_path) as (work, target, bus):
        messages = poison(work.consumes)
        await bus.transport.publish(
            [OutgoingMessage(work.consumes, body, f"poison-{name}") for name, body in messages.items()]
        )
        started = time.perf_counter()
        await canary(work, target, bus, "poison")
        recovery = time.perf_counter() - started
        letters: list[Any] = []
        async with asyncio.timeout(30):
            while len(letters) < len(messages):
                letters = await peek(bus.transport, service, 100)
                await asyncio.sleep(0.1)
        reasons = {letter.message_id: letter.reason for letter in letters}
        assert set(reasons) == {f"poison-{name}" for name in messages}
        assert all(reason.startswith("malformed message: ") for reason in reasons.values()), reasons
        assert "nested too deep" in reasons["poison-deep"]
        assert target.alive()
        record.append(
            Figures(
                "poison: deep, huge, binary, wrong shape, unknown type",
                service,
                len(messages) + 1,
                0,
                0,
                recovery,
                "each in the DLQ with its reason; canary handled",
            )
        )


class _Letter:
    """A delivered-message stand-in, to fill a DLQ directly."""

    def __init__(self, event: Envelope[Any]) -> None:
        self.body = encode(event)
        self.routing_key = event.detail_type
        self.message_id: str | None = event.id
        self.redelivered = False

    async def ack(self) -> None:
        return None

    async def requeue(self) -> None:
        return None


async def test_a_redrive_killed_half_way(tmp_path: Path, record: list[Figures]) -> None:
    token = secrets.token_urlsafe(24)
    port = free_port()
    settings = {
        "HTTP__ENABLED": "true",
        "HTTP__PORT": str(port),
        "AUTH__TOKENS": json.dumps([{"name": "ops", "role": "publisher", "token": token}]),
    }
    async with running("lineage_writer", tmp_path, **settings) as (work, target, bus):
        events = await work.events("redrive", 2000)
        ids = [str(e.id) for e in events]
        for event in events:
            await bus.transport.dead_letter("lineage_writer", _Letter(event), "handler failed (transient)")
        url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=url, timeout=120) as http:
            redriving = asyncio.create_task(
                http.post("/api/v1/dlq/redrive", headers={"Authorization": f"Bearer {token}"})
            )
            async with asyncio.timeout(60):
                while await bus.transport.dead_letter_count("lineage_writer") > len(events) // 2:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
            target.kill()
            with contextlib.suppress(httpx.HTTPError):
                await redriving
        left = await bus.transport.dead_letter_count("lineage_writer")
        assert 0 < left < len(events), "killed half-way"
        started = time.perf_counter()
        await target.start()
        cli = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "schemaline.cli", "dlq", "redrive", "lineage", "--url", url, "--json"],
            env=os.environ | {"SCHEMALINE_TOKEN": token},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert cli.returncode == 0, cli.stderr
        await wait_for(work, target, ids, len(events))
        recovery = time.perf_counter() - started
        await canary(work, target, bus, "redrive")
        lost, duplicated = await tally(work, events)
        assert await bus.transport.dead_letter_count("lineage_writer") == 0
        record.append(
            Figures(
                "redrive killed half-way (SIGKILL of the service), then redriven",
                "lineage_writer",
                len(events),
                lost,
                duplicated,
                recovery,
                f"{left} letters left at the kill",
            )
        )
        assert (lost, duplicated) == (0, 0)
