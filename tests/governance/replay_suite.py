"""One replay test suite, run on (in-memory bus, SQLite) and (RabbitMQ, PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.contracts import EVENT_TYPES, Envelope, SchemaRejected, new_envelope
from schemaline.governance import ledger
from schemaline.governance import replay as replay_module
from schemaline.governance.replay import Plan, ReplayRefusedError, Selection, plan, replay, replayed
from schemaline.governance.store import create_schema
from schemaline.governance.tables import ledger_entries
from schemaline.runtime.bus import EventBus, Transport
from schemaline.runtime.db import create_engine
from tests.governance.events import drift, landed, ledger_events, proposed, resolved
from tests.support.aio import eventually

T0 = datetime(2025, 10, 7, 6, 0, tzinfo=UTC)
GDP = "finance.gdp.invoice"
RAW = "finance.raw.invoice"


def at(envelope: Envelope[Any], minutes: int) -> Envelope[Any]:
    return envelope.model_copy(update={"time": T0 + timedelta(minutes=minutes)})


def incident() -> list[Envelope[Any]]:
    """Six events, ten minutes apart; the last lacks declared_fqid, so a violation is ledgered too."""
    opened = drift("jr-2", case="dc-2")
    return [
        at(landed("jr-1"), 0),
        at(opened, 10),
        at(proposed("p-1", covers=("dc-2",)), 20),
        at(landed("jr-3"), 30),
        at(resolved("dc-2", run="jr-2"), 40),
        at(landed("jr-4", declared=None), 50),
    ]


@dataclass
class Sink:
    """An idempotent consumer (the runtime's consumer loop, deduplicating on event id)."""

    bus: EventBus
    handled: list[Envelope[Any]] = field(default_factory=list)
    sentinels: set[str] = field(default_factory=set)

    async def handle(self, envelope: Envelope[Any]) -> None:
        if envelope.detail_type == "SchemaRejected":
            self.sentinels.add(envelope.id)
        else:
            self.handled.append(envelope)

    async def drained(self, publisher: EventBus) -> None:
        """Publish a marker after what was sent; once it is handled, everything before it was too."""
        marker = rejected_marker()
        await publisher.publish(marker)
        await eventually(lambda: marker.id in self.sentinels, within=20, what="the sink to drain")


def rejected_marker() -> Envelope[Any]:
    detail = SchemaRejected.model_validate(
        {
            "proposal_id": f"marker-{uuid.uuid4().hex[:8]}",
            "subject": GDP,
            "proposed_fqid": f"{GDP}:v9.0",
            "rejected_by": "test",
            "reason": "marker",
        }
    )
    return new_envelope(detail, source="governance")


def kinds(chosen: Plan) -> list[tuple[str, str]]:
    return [(item.envelope.detail_type, item.envelope.id) for item in chosen.events]


class ReplayContract:
    @pytest.fixture
    def database_url(self) -> str:
        raise NotImplementedError

    @pytest.fixture
    def make_transport(self) -> Callable[[], Transport]:
        raise NotImplementedError

    @pytest.fixture
    def events(self) -> list[Envelope[Any]]:
        return incident()

    @pytest.fixture
    async def engine(self, database_url: str, events: list[Envelope[Any]]) -> AsyncIterator[AsyncEngine]:
        made = create_engine(database_url)
        await create_schema(made)
        await ledger_events(made, events)
        yield made
        await made.dispose()

    @pytest.fixture
    async def sink(self, make_transport: Callable[[], Transport]) -> AsyncIterator[Sink]:
        sink = Sink(EventBus(make_transport()))
        sink.bus.subscribe("sink", list(EVENT_TYPES), sink.handle)
        await sink.bus.start()
        yield sink
        await sink.bus.close()

    @pytest.fixture
    async def publisher(self, make_transport: Callable[[], Transport]) -> AsyncIterator[EventBus]:
        bus = EventBus(make_transport())
        await bus.connect()
        yield bus
        await bus.close()

    async def test_no_filter_selects_every_event_in_ledger_order(
        self, engine: AsyncEngine, events: list[Envelope[Any]]
    ) -> None:
        chosen = await plan(engine, Selection())
        assert chosen.verification.ok, chosen.verification.render()
        assert chosen.verification.entries == 7  # six events and one violation entry
        assert [item.envelope.id for item in chosen.events] == [event.id for event in events]
        assert [item.seq for item in chosen.events] == sorted(item.seq for item in chosen.events)

    @pytest.mark.parametrize(
        ("selection", "expected"),
        [
            (Selection(since=T0 + timedelta(minutes=10), until=T0 + timedelta(minutes=40)), [1, 2, 3]),
            (Selection(since=T0 + timedelta(minutes=45)), [5]),
            (Selection(until=T0 + timedelta(minutes=10)), [0]),
            (Selection(detail_types=frozenset({"BatchLanded"})), [0, 3, 5]),
            (Selection(detail_types=frozenset({"BatchLanded", "DriftResolved"})), [0, 3, 4, 5]),
            (Selection(run_ids=frozenset({"jr-2"})), [1, 4]),
            (Selection(run_ids=frozenset({"jr-1", "jr-4"})), [0, 5]),
            (Selection(subjects=frozenset({GDP})), [1, 2, 4]),
            (Selection(subjects=frozenset({RAW})), [0, 3]),
            (Selection(subjects=frozenset({GDP}), since=T0 + timedelta(minutes=15)), [2, 4]),
            (Selection(subjects=frozenset({GDP}), detail_types=frozenset({"BatchLanded"})), []),
            (Selection(since=datetime(2025, 10, 7, 6, 30)), [3, 4, 5]),  # no offset: UTC
        ],
        ids=[
            "window",
            "since",
            "until-exclusive",
            "one-type",
            "two-types",
            "run-and-its-resolution",
            "two-runs",
            "subject-gdp",
            "subject-raw",
            "subject-and-since",
            "nothing",
            "naive-time-is-utc",
        ],
    )
    async def test_selection_filters(
        self, engine: AsyncEngine, events: list[Envelope[Any]], selection: Selection, expected: list[int]
    ) -> None:
        chosen = await plan(engine, selection)
        assert [item.envelope.id for item in chosen.events] == [events[i].id for i in expected]

    async def test_events_that_were_replays_are_left_out_unless_asked_for(
        self, engine: AsyncEngine, events: list[Envelope[Any]]
    ) -> None:
        again = replayed(events[0], "earlier", new_ids=True)
        await ledger_events(engine, [again])
        assert again.id not in [item.envelope.id for item in (await plan(engine, Selection())).events]
        chosen = await plan(engine, Selection(include_replays=True))
        assert chosen.events[-1].envelope.id == again.id
        assert chosen.events[-1].envelope.replay_name == "earlier"

    async def test_original_ids_are_skipped_by_an_idempotent_consumer_new_ids_are_processed(
        self, engine: AsyncEngine, events: list[Envelope[Any]], sink: Sink, publisher: EventBus
    ) -> None:
        await publisher.publish_many(events)
        await sink.drained(publisher)
        assert [e.id for e in sink.handled] == [e.id for e in events]

        chosen = await plan(engine, Selection())
        assert await replay(publisher, chosen, name="incident-42") == len(events)
        await sink.drained(publisher)
        assert len(sink.handled) == len(events), "an already handled event was processed again"

        progress: list[tuple[int, int]] = []
        sent = await replay(
            publisher, chosen, name="sandbox-1", new_ids=True, batch=4, progress=lambda *p: progress.append(p)
        )
        assert sent == len(events)
        assert progress == [(4, 6), (6, 6)]
        await sink.drained(publisher)
        again = sink.handled[len(events) :]
        assert len(again) == len(events)
        assert {e.replay_name for e in again} == {"sandbox-1"}
        assert not {e.id for e in again} & {e.id for e in events}
        assert [e.detail for e in again] == [e.detail for e in events]

        # The same named replay run twice (e.g. after a crash half-way) has no second effect.
        await replay(publisher, chosen, name="sandbox-1", new_ids=True)
        await sink.drained(publisher)
        assert len(sink.handled) == 2 * len(events)

    async def test_replay_name_is_set_on_every_replayed_event(
        self, engine: AsyncEngine, events: list[Envelope[Any]], sink: Sink, publisher: EventBus
    ) -> None:
        chosen = await plan(engine, Selection(detail_types=frozenset({"BatchLanded"})))
        assert await replay(publisher, chosen, name="incident-7") == 3
        await sink.drained(publisher)
        assert [e.id for e in sink.handled] == [events[i].id for i in (0, 3, 5)]
        assert all(e.replay_name == "incident-7" for e in sink.handled)

    async def test_a_tampered_ledger_refuses_to_replay(
        self, engine: AsyncEngine, sink: Sink, publisher: EventBus
    ) -> None:
        async with engine.begin() as conn:
            row = (await conn.execute(select(ledger_entries).where(ledger_entries.c.seq == 3))).one()
            forged = row.payload.replace('"compatible":true', '"compatible":false')
            assert forged != row.payload
            await conn.execute(update(ledger_entries).where(ledger_entries.c.seq == 3).values(payload=forged))
        chosen = await plan(engine, Selection())
        assert not chosen.verification.ok
        assert chosen.verification.broken_seq == 3
        with pytest.raises(ReplayRefusedError, match="BROKEN at seq 3"):
            await replay(publisher, chosen, name="incident-9")
        await sink.drained(publisher)
        assert sink.handled == []

    async def test_entries_appended_after_the_head_was_read_do_not_break_the_replay(
        self, engine: AsyncEngine, events: list[Envelope[Any]], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Governance keeps ledgering while a replay reads: append right after the head is read."""
        late = [at(landed(f"jr-late-{n}"), 60 + n) for n in range(3)]

        async def head_then_append(made: AsyncEngine) -> tuple[int, str] | None:
            head = await ledger.read_head(made)
            await ledger_events(made, late)
            return head

        monkeypatch.setattr(replay_module, "read_head", head_then_append)
        chosen = await plan(engine, Selection())
        assert chosen.verification.ok, chosen.verification.render()
        assert chosen.verification.head_seq == 7
        assert [item.envelope.id for item in chosen.events] == [e.id for e in events]
