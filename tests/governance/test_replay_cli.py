"""`schemaline ledger replay` on a SQLite governance database and the in-memory bus: output, exit codes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from schemaline.cli import ledger_cmd
from schemaline.cli.main import main
from schemaline.contracts import Envelope, derived_id
from schemaline.governance.store import create_schema
from schemaline.governance.tables import ledger_entries
from schemaline.runtime.bus import EventBus, InMemoryTransport, build_bus
from schemaline.runtime.db import create_engine
from schemaline.runtime.settings import BusSettings
from tests.governance.events import ledger_events
from tests.governance.replay_suite import incident


async def _prepare(url: str, events: list[Envelope[Any]]) -> None:
    engine = create_engine(url)
    await create_schema(engine)
    await ledger_events(engine, events)
    await engine.dispose()


@pytest.fixture
def events() -> list[Envelope[Any]]:
    return incident()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, events: list[Envelope[Any]]) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path}/governance.db"
    asyncio.run(_prepare(url, events))
    monkeypatch.setenv("SCHEMALINE_GOVERNANCE_DATABASE__URL", url)
    return url


@pytest.fixture
def bus(monkeypatch: pytest.MonkeyPatch) -> InMemoryTransport:
    """The configured bus, built by the real factory, over a transport the test can read."""
    transport = InMemoryTransport()

    def build(settings: BusSettings) -> EventBus:
        return build_bus(settings, transport=transport)

    monkeypatch.setattr(ledger_cmd, "build_bus", build)
    return transport


def test_without_a_name_it_prints_the_timeline_and_publishes_nothing(
    database: str, bus: InMemoryTransport, events: list[Envelope[Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ledger", "replay", "--subject", "finance.gdp.invoice"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("ledger OK: 7 entries")
    for kind in ("SchemaDriftDetected", "SchemaProposed", "DriftResolved"):
        assert kind in out
    assert "BatchLanded" not in out
    assert out.rstrip().endswith("3 event(s) selected")
    assert bus.published == []


def test_dry_run_with_a_name_publishes_nothing_and_json_lists_the_events(
    database: str, bus: InMemoryTransport, events: list[Envelope[Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["ledger", "replay", "--name", "inc-1", "--dry-run", "--json", "--run-id", "jr-2"]
    assert main([*args, "--since", "2025-10-07T06:05:00Z", "--until", "2025-10-07T07:00:00+00:00"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ledger"]["ok"] is True
    assert [row["id"] for row in result["events"]] == [events[1].id, events[4].id]
    assert [row["run_id"] for row in result["events"]] == ["jr-2", "jr-2"]
    assert bus.published == []


def test_a_named_replay_republishes_with_replay_name_and_shows_progress(
    database: str, bus: InMemoryTransport, events: list[Envelope[Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "ledger",
        "replay",
        "--name",
        "inc-2",
        "--detail-type",
        "BatchLanded",
        "--detail-type",
        "SchemaProposed",
    ]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "replay inc-2: republished 4 event(s) with original ids; ledger OK" in captured.out
    assert "replayed 4/4" in captured.err
    sent = bus.events()
    assert [e.id for e in sent] == [events[i].id for i in (0, 2, 3, 5)]
    assert {e.replay_name for e in sent} == {"inc-2"}


def test_new_ids_are_derived_from_the_original_id_and_the_replay_name(
    database: str, bus: InMemoryTransport, events: list[Envelope[Any]]
) -> None:
    assert main(["ledger", "replay", "--name", "sandbox", "--new-ids", "--run-id", "jr-1"]) == 0
    [sent] = bus.events()
    assert sent.id == derived_id(events[0].id, "replay:sandbox")
    assert sent.replay_name == "sandbox"


def test_a_tampered_ledger_exits_1_and_publishes_nothing(
    database: str, bus: InMemoryTransport, capsys: pytest.CaptureFixture[str]
) -> None:
    async def tamper() -> None:
        engine = create_engine(database)
        async with engine.begin() as conn:
            await conn.execute(
                update(ledger_entries).where(ledger_entries.c.seq == 2).values(detail_type="DriftResolved")
            )
        await engine.dispose()

    asyncio.run(tamper())
    assert main(["ledger", "replay", "--name", "inc-3"]) == 1
    err = capsys.readouterr().err
    assert "replay refused: ledger BROKEN at seq 2" in err
    assert bus.published == []
    assert main(["ledger", "replay"]) == 1, "the timeline of a broken ledger is not shown either"


def test_a_head_kept_elsewhere_that_does_not_match_refuses(
    database: str, bus: InMemoryTransport, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ledger", "replay", "--name", "inc-4", "--expect-head", "0" * 64]) == 1
    assert "is not the expected" in capsys.readouterr().err
    assert bus.published == []


@pytest.mark.parametrize(
    "args",
    [
        ["--name", "has space"],
        ["--name", "x" * 65],
        ["--since", "yesterday"],
        ["--since", "2025-10-07T07:00:00Z", "--until", "2025-10-07T06:00:00Z"],
        ["--detail-type", "BatchLandead"],
    ],
    ids=["name-with-space", "name-too-long", "bad-time", "empty-window", "unknown-type"],
)
def test_bad_input_exits_2(database: str, bus: InMemoryTransport, args: list[str]) -> None:
    assert main(["ledger", "replay", *args]) == 2
    assert bus.published == []
