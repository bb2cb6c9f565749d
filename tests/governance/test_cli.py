"""`schemaline governance …` and `schemaline ledger verify` against governance's API, served on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.cli.main import main
from schemaline.governance.tables import ledger_entries
from schemaline.runtime.bus import InMemoryTransport
from schemaline.runtime.settings import Role
from tests.governance.events import drift, governance_api, proposed
from tests.support.aio import eventually
from tests.support.registry import TOKENS
from tests.support.serving import serve


@dataclass
class Governance:
    url: str
    engine: AsyncEngine
    bus: InMemoryTransport

    async def run(self, *args: str) -> int:
        """`schemaline ARGS --url …` (token from SCHEMALINE_TOKEN), in a thread: it runs its own loop."""
        return await asyncio.to_thread(main, [*args, "--url", self.url])


@pytest.fixture
async def governance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Governance]:
    events = [drift(case="dc-7"), proposed("p-fix", covers=("dc-7",)), proposed("p-other", version="v1.3")]
    transport = InMemoryTransport()
    monkeypatch.setenv("SCHEMALINE_TOKEN", TOKENS[Role.RUNNER])
    url = f"sqlite+aiosqlite:///{tmp_path}/governance.db"
    async with governance_api(url, transport, events) as running, serve(running.app) as api:
        yield Governance(api, running.engine, transport)


def as_role(monkeypatch: pytest.MonkeyPatch, role: Role) -> None:
    monkeypatch.setenv("SCHEMALINE_TOKEN", TOKENS[role])


async def test_ledger_verify_ok_then_broken(
    governance: Governance, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await governance.run("ledger", "verify") == 0
    assert capsys.readouterr().out.startswith("ledger OK: 3 entries, head seq 3 hash ")
    async with governance.engine.begin() as conn:
        await conn.execute(delete(ledger_entries).where(ledger_entries.c.seq == 2))
    assert await governance.run("ledger", "verify", "--json") == 1
    result = json.loads(capsys.readouterr().out)
    assert (result["ok"], result["broken_seq"]) == (False, 3)
    assert "missing" in result["problem"]


async def test_listing_proposals_and_cases(
    governance: Governance, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await governance.run("governance", "proposals", "--status", "pending", "--json") == 0
    pending = json.loads(capsys.readouterr().out)
    assert sorted(p["proposal_id"] for p in pending) == ["p-fix", "p-other"]
    assert {"proposal_id", "status", "reason", "blocked_by", "proposed_at"} <= set(pending[0])
    assert await governance.run("governance", "cases", "--status", "open", "--json") == 0
    assert [c["case_id"] for c in json.loads(capsys.readouterr().out)] == ["dc-7"]
    assert await governance.run("governance", "proposals") == 0
    text = capsys.readouterr().out
    assert text.startswith("2 proposals\nproposal_id")
    assert "p-other" in text


async def test_approve_needs_an_approver_token_and_records_its_name(
    governance: Governance, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("governance", "approve", "p-fix", "--reason", "adds the region code")
    assert await governance.run(*args) == 2, "a runner token may not approve"
    assert "governance answered 403: role runner may not govern" in capsys.readouterr().err
    monkeypatch.setenv("SCHEMALINE_TOKEN", "wrong-token-0123456789")
    assert await governance.run(*args) == 2
    assert "401" in capsys.readouterr().err
    as_role(monkeypatch, Role.APPROVER)
    assert await governance.run(*args) == 0
    assert "SchemaApproved for p-fix published" in capsys.readouterr().out
    await eventually(lambda: len(governance.bus.published) == 1, what="the decision, relayed from the outbox")
    [sent] = governance.bus.events()
    assert sent.detail.approved_by == "approver-bot"


async def test_the_gate_still_applies_to_an_approver(
    governance: Governance,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKENS[Role.APPROVER] + "\n")
    monkeypatch.delenv("SCHEMALINE_TOKEN")
    file = ("--token-file", str(token_file))
    assert await governance.run("governance", "approve", "p-other", "--reason", "why not", *file) == 1
    assert "dc-7" in capsys.readouterr().err
    assert await governance.run("governance", "approve", "p-none", "--reason", "why not", *file) == 2
    assert await governance.run("governance", "reject", "p-other", "--reason", "superseded", *file) == 0
