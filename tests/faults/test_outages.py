"""Whole servers down under services running as processes: the broker restarted while the service
holds messages, PostgreSQL stopped for 20 s while it works off a backlog. Each on a server of the
test's own (tests/faults/private.py). Each: 0 lost, 0 duplicated, nothing dead-lettered, a canary
gets through afterwards, and the recovery time is recorded."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.faults.private import private_postgres, private_rabbitmq
from tests.faults.stack import Figures, ServiceProcess
from tests.faults.test_faults import canary, running, tally, wait_for
from tests.faults.workloads import Workload

pytestmark = [pytest.mark.rabbitmq, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(600)]

OUTAGE_S = 20.0
# Two of the consumers: each outage costs about a minute here (20 s of it the outage), and the others
# run the same consumer loop and transient-error rules (docs/reliability.md).
SERVICES = ["lineage_writer", "governance"]


def logged(target: ServiceProcess, event: str) -> int:
    """How many times the service logged `event`."""
    return (target.workdir / f"{target.service}.log").read_text(errors="replace").count(f'"event": "{event}"')


async def going_again(work: Workload, target: ServiceProcess, ids: list[str]) -> tuple[int, float]:
    """(events done now, seconds until one more is): the server is back, the backlog must not be done."""
    done = (await work.effects(ids))[1]
    assert done < len(ids), "the outage should land mid-backlog"
    return done, await wait_for(work, target, ids, done + 1)


@pytest.mark.parametrize("service", SERVICES)
async def test_broker_restarted_while_messages_are_held(
    service: str, tmp_path: Path, record: list[Figures]
) -> None:
    async with (
        private_rabbitmq() as broker,
        running(service, tmp_path, amqp_url=broker.url, BUS__CONCURRENCY="1") as (work, target, bus),
    ):
        events = await work.events("restart", 1000)
        ids = [str(e.id) for e in events]
        await bus.publish_many(events)
        await wait_for(work, target, ids, len(events) // 10)
        await broker.stop()
        await broker.start()
        started = time.perf_counter()
        done_at_return, first = await going_again(work, target, ids)
        await wait_for(work, target, ids, len(events))
        recovery = time.perf_counter() - started
        await canary(work, target, bus, "restart")
        lost, duplicated = await tally(work, events)
        letters = await bus.transport.dead_letter_count(service)
        # Each message it held when the broker went: handled, its ack refused, redelivered, skipped.
        held = logged(target, "ack failed, the broker will redeliver")
        record.append(
            Figures(
                "full broker restart, messages held, concurrency 1",
                service,
                len(events),
                lost,
                duplicated,
                recovery,
                f"{held} held at the stop; {done_at_return} done at the restart, the next {first:.1f} s on",
            )
        )
        assert held > 0, "the service should hold messages when the broker stops"
        assert (lost, duplicated, letters) == (0, 0, 0)
        assert target.alive()


@pytest.mark.parametrize("service", SERVICES)
async def test_postgres_stopped_for_20_s_under_load(
    service: str, tmp_path: Path, record: list[Figures]
) -> None:
    async with (
        private_postgres() as database,
        running(service, tmp_path, admin_dsn=database.admin_dsn) as (work, target, bus),
    ):
        events = await work.events("pgstop", 1000)
        ids = [str(e.id) for e in events]
        await bus.publish_many(events)
        await wait_for(work, target, ids, len(events) // 4)
        await database.stop()
        await asyncio.sleep(OUTAGE_S)
        assert target.alive(), f"{service} died while PostgreSQL was down: {target.log_tail()}"
        await database.start()
        started = time.perf_counter()
        done_at_return, first = await going_again(work, target, ids)
        await wait_for(work, target, ids, len(events))
        recovery = time.perf_counter() - started
        await canary(work, target, bus, "pgstop")
        lost, duplicated = await tally(work, events)
        letters = await bus.transport.dead_letter_count(service)
        retried = logged(target, "handler failed, retrying")
        record.append(
            Figures(
                f"PostgreSQL stopped {OUTAGE_S:.0f} s under load",
                service,
                len(events),
                lost,
                duplicated,
                recovery,
                f"{done_at_return} done at the restart, the next {first:.1f} s on; {retried} retries",
            )
        )
        assert retried > 0, "the outage should have been felt (handlers retrying)"
        assert (lost, duplicated, letters) == (0, 0, 0)
        assert target.alive()
