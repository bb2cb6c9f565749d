"""`schemaline ledger replay` against governance's API (SQLite, in-memory bus): output and exit codes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.cli.main import main
from schemaline.contracts import Envelope, derived_id
from schemaline.governance.tables import ledger_entries
from schemaline.runtime.bus import InMemoryTransport
from schemaline.runtime.settings import Role
from tests.governance.events import governance_api
from tests.governance.replay_suite import incident
from tests.support.registry import TOKENS
from tests.support.serving import serve


@dataclass
class Ledger:
    url: str
    engine: AsyncEngine
    bus: InMemoryTransport
    events: list[Envelope[Any]]

    async def replay(self, *args: str) -> int:
        return await asyncio.to_thread(main, ["ledger", "replay", *args, "--url", self.url])


@pytest.fixture
async def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Ledger]:
    events = incident()
    transport = InMemoryTransport()
    monkeypatch.setenv("SCHEMALINE_TOKEN", TOKENS[Role.APPROVER])
    url = f"sqlite+aiosqlite:///{tmp_path}/governance.db"
    async with governance_api(url, transport, events) as running, serve(running.app) as api:
        yield Ledger(api, running.engine, transport, events)


async def test_without_a_name_it_prints_the_timeline_and_publishes_nothing(
    ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await ledger.replay("--subject", "finance.gdp.invoice") == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("ledger OK: 7 entries")
    for kind in ("SchemaDriftDetected", "SchemaProposed", "DriftResolved"):
        assert kind in out
    assert "BatchLanded" not in out
    assert out.rstrip().endswith("3 event(s) selected")
    assert ledger.bus.published == []


async def test_dry_run_with_a_name_publishes_nothing_and_json_lists_the_events(
    ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    window = ("--since", "2025-10-07T06:05:00Z", "--until", "2025-10-07T07:00:00+00:00")
    assert await ledger.replay("--name", "inc-1", "--dry-run", "--json", "--run-id", "jr-2", *window) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ledger"]["ok"] is True
    assert [row["id"] for row in result["events"]] == [ledger.events[1].id, ledger.events[4].id]
    assert [row["run_id"] for row in result["events"]] == ["jr-2", "jr-2"]
    assert ledger.bus.published == []


async def test_a_named_replay_republishes_with_replay_name(
    ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("--name", "inc-2", "--detail-type", "BatchLanded", "--detail-type", "SchemaProposed")
    assert await ledger.replay(*args) == 0
    assert "replay inc-2: republished 4 event(s) with original ids; ledger OK" in capsys.readouterr().out
    sent = ledger.bus.events()
    assert [e.id for e in sent] == [ledger.events[i].id for i in (0, 2, 3, 5)]
    assert {e.replay_name for e in sent} == {"inc-2"}


async def test_new_ids_are_derived_from_the_original_id_and_the_replay_name(ledger: Ledger) -> None:
    assert await ledger.replay("--name", "sandbox", "--new-ids", "--run-id", "jr-1") == 0
    [sent] = ledger.bus.events()
    assert sent.id == derived_id(ledger.events[0].id, "replay:sandbox")
    assert sent.replay_name == "sandbox"


async def test_a_tampered_ledger_exits_1_and_publishes_nothing(
    ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    async with ledger.engine.begin() as conn:
        await conn.execute(
            update(ledger_entries).where(ledger_entries.c.seq == 2).values(detail_type="DriftResolved")
        )
    assert await ledger.replay("--name", "inc-3") == 1
    assert "replay refused: ledger BROKEN at seq 2" in capsys.readouterr().err
    assert ledger.bus.published == []
    assert await ledger.replay() == 1, "the timeline of a broken ledger is not shown either"


async def test_a_head_kept_elsewhere_that_does_not_match_refuses(
    ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await ledger.replay("--name", "inc-4", "--expect-head", "0" * 64) == 1
    assert "is not the expected" in capsys.readouterr().err
    assert ledger.bus.published == []


async def test_a_runner_token_may_not_replay(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SCHEMALINE_TOKEN", TOKENS[Role.RUNNER])
    assert await ledger.replay("--name", "inc-5") == 2
    assert "403" in capsys.readouterr().err
    assert ledger.bus.published == []


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
async def test_bad_input_exits_2(ledger: Ledger, args: list[str]) -> None:
    assert await ledger.replay(*args) == 2
    assert ledger.bus.published == []
