"""The write-behind batch writer: shared transactions, commit before return, failure isolation."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from schemaline.contracts import Envelope, PipeCode, PipelineFailed, encode
from schemaline.lineage_writer.batcher import BatchWriter
from schemaline.lineage_writer.rows import EventRows, to_rows
from schemaline.lineage_writer.settings import SERVICE, LineageSettings
from schemaline.lineage_writer.spec import SPEC
from schemaline.lineage_writer.store import InMemoryLineageStore
from schemaline.runtime.bus import InMemoryTransport, OutgoingMessage, build_bus
from schemaline.runtime.service import start
from schemaline.runtime.settings import BusSettings, DatabaseSettings
from tests.lineage.example_a import example_a
from tests.support.aio import eventually


class FlakySink(InMemoryLineageStore):
    """The in-memory store that refuses chosen events, or everything while `down`."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.poison: set[str] = set()
        self.fail_next = 0

    async def insert_batch(self, batch: Sequence[EventRows]) -> int:
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionRefusedError("database unavailable")
        if self.down:
            raise ConnectionRefusedError("database unavailable")
        if any(item.row.event_id in self.poison for item in batch):
            raise ValueError("value out of range")
        return await super().insert_batch(batch)


async def test_concurrent_writes_share_one_transaction() -> None:
    sink = FlakySink()
    writer = BatchWriter(sink, max_rows=100, max_delay_s=0.05)
    await writer.start()
    events = example_a()
    await asyncio.gather(*(writer.write(to_rows(e)) for e in events))
    await writer.stop()
    assert sink.transactions == 1
    assert set(sink.rows) == {e.id for e in events}


async def test_batches_are_capped_at_max_rows() -> None:
    sink = FlakySink()
    writer = BatchWriter(sink, max_rows=3, max_delay_s=0.05)
    await writer.start()
    await asyncio.gather(*(writer.write(to_rows(e)) for e in example_a()))
    await writer.stop()
    assert sink.transactions == 3  # 8 events: 3 + 3 + 2


async def test_a_write_returns_only_after_its_commit() -> None:
    sink = FlakySink()
    writer = BatchWriter(sink, max_rows=100, max_delay_s=0.05)
    await writer.start()
    event = example_a()[0]
    task = asyncio.create_task(writer.write(to_rows(event)))
    await asyncio.sleep(0.01)
    assert not task.done()
    assert event.id not in sink.rows
    await task
    assert event.id in sink.rows
    await writer.stop()


async def test_a_bad_event_fails_alone() -> None:
    sink = FlakySink()
    events = example_a()
    sink.poison.add(events[3].id)
    writer = BatchWriter(sink, max_rows=100, max_delay_s=0.05)
    await writer.start()
    results = await asyncio.gather(*(writer.write(to_rows(e)) for e in events), return_exceptions=True)
    await writer.stop()
    assert [type(r).__name__ for r in results].count("ValueError") == 1
    assert isinstance(results[3], ValueError)
    assert set(sink.rows) == {e.id for e in events} - {events[3].id}


async def test_an_outage_fails_every_waiting_write() -> None:
    sink = FlakySink()
    sink.down = True
    writer = BatchWriter(sink, max_rows=100, max_delay_s=0.05)
    await writer.start()
    results = await asyncio.gather(*(writer.write(to_rows(e)) for e in example_a()), return_exceptions=True)
    await writer.stop()
    assert all(isinstance(r, ConnectionRefusedError) for r in results)
    assert sink.transactions == 0


async def test_a_write_that_keeps_failing_ends_as_pipe_1402_and_in_the_dlq(tmp_path: Path) -> None:
    transport = InMemoryTransport()
    bus_settings = BusSettings(max_attempts=3, retry_backoff_s=0.001)
    sink = FlakySink()
    events = example_a()
    sink.poison.add(events[0].id)
    database = DatabaseSettings(url=SecretStr(f"sqlite+aiosqlite:///{tmp_path / 'lineage.db'}"))
    settings = LineageSettings(bus=bus_settings, database=database)
    alerts: list[Envelope[Any]] = []
    probe = build_bus(bus_settings, transport=transport)

    async def record_alert(envelope: Envelope[Any]) -> None:
        alerts.append(envelope)

    probe.subscribe("ops", ["PipelineFailed"], record_alert)
    await probe.start()
    async with start(SPEC, settings, transport=transport, sink=sink):
        await probe.publish_many(events)
        await eventually(lambda: len(alerts) == 1, what="PIPE-1402")
        await eventually(lambda: len(sink.rows) == len(events), what="the others written, and the alert")
    await probe.close()
    alert: PipelineFailed = alerts[0].detail
    assert alert.code is PipeCode.METADATA_SYNC_FAILURE
    assert alert.failed_event_id == events[0].id
    assert alert.pipeline_id == events[0].detail.pipeline_id
    letters = await transport.dead_letters(SERVICE)
    assert [letter.body for letter in letters] == [transport_body(events[0], transport)]
    assert "value out of range" in letters[0].reason
    # The alert itself was recorded as lineage: the failure is in the run's trace.
    assert alerts[0].id in sink.rows


def transport_body(event: Envelope[Any], transport: InMemoryTransport) -> bytes:
    return next(m.body for m in transport.published if m.message_id == event.id)


async def test_the_alert_comes_only_when_the_consumer_gives_up(tmp_path: Path) -> None:
    """A write failing for a while (transient) is retried without an alert, then written."""
    transport = InMemoryTransport()
    bus_settings = BusSettings(max_attempts=2, retry_backoff_s=0.001, retry_for_s=30)
    sink = FlakySink()
    events = example_a()
    sink.fail_next = 5
    database = DatabaseSettings(url=SecretStr(f"sqlite+aiosqlite:///{tmp_path / 'lineage.db'}"))
    async with start(
        SPEC, LineageSettings(bus=bus_settings, database=database), transport=transport, sink=sink
    ):
        await transport.publish([OutgoingMessage(e.detail_type, encode(e), e.id) for e in events])
        await eventually(lambda: len(sink.rows) == len(events), what="every event, once the sink is back")
    assert [m for m in transport.published if m.routing_key == "PipelineFailed"] == []
    assert await transport.dead_letters(SERVICE) == []
