"""`schemaline ledger verify` and `schemaline governance …` on a SQLite governance database."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete

from schemaline.cli.main import main
from schemaline.contracts import Envelope
from schemaline.governance.approvals import token_hash
from schemaline.governance.store import create_schema
from schemaline.governance.tables import ledger_entries
from schemaline.runtime.db import create_engine
from tests.governance.events import drift, ledger_events, proposed

TOKEN = "correct horse battery staple"


async def _feed(url: str, events: list[Envelope[Any]]) -> None:
    engine = create_engine(url)
    await create_schema(engine)
    await ledger_events(engine, events)
    await engine.dispose()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path}/governance.db"
    opened = drift(case="dc-7")
    asyncio.run(
        _feed(url, [opened, proposed("p-fix", covers=("dc-7",)), proposed("p-other", version="v1.3")])
    )
    monkeypatch.setenv("SCHEMALINE_GOVERNANCE_DATABASE__URL", url)
    monkeypatch.setenv("SCHEMALINE_GOVERNANCE_APPROVERS", json.dumps({"alice": token_hash(TOKEN)}))
    monkeypatch.delenv("SCHEMALINE_APPROVER_TOKEN", raising=False)
    return url


def test_ledger_verify_ok_then_broken(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ledger", "verify"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ledger OK: 3 entries, head seq 3 hash ")

    async def delete_second() -> None:
        engine = create_engine(database)
        async with engine.begin() as conn:
            await conn.execute(delete(ledger_entries).where(ledger_entries.c.seq == 2))
        await engine.dispose()

    asyncio.run(delete_second())
    assert main(["ledger", "verify", "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is False
    assert result["broken_seq"] == 3
    assert "missing" in result["problem"]


def test_listing_proposals_and_cases(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["governance", "proposals", "--status", "pending"]) == 0
    pending = json.loads(capsys.readouterr().out)
    assert sorted(p["proposal_id"] for p in pending) == ["p-fix", "p-other"]
    assert main(["governance", "cases", "--status", "open"]) == 0
    assert [c["case_id"] for c in json.loads(capsys.readouterr().out)] == ["dc-7"]


def test_approve_requires_the_approver_role(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["governance", "approve", "p-fix", "--reason", "adds the region code", "--approver", "alice"]
    assert main(args) == 1
    assert "approver role required" in capsys.readouterr().err
    monkeypatch.setenv("SCHEMALINE_APPROVER_TOKEN", "wrong")
    assert main(args) == 1
    monkeypatch.setenv("SCHEMALINE_APPROVER_TOKEN", TOKEN)
    assert main([*args[:-1], "mallory"]) == 1
    assert main(args) == 0
    assert "SchemaApproved for p-fix published" in capsys.readouterr().out


def test_the_gate_still_applies_to_an_approver(
    database: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    base = ["--reason", "why not", "--approver", "alice", "--token-file", str(token_file)]
    assert main(["governance", "approve", "p-other", *base]) == 1
    assert "dc-7" in capsys.readouterr().err
    assert main(["governance", "approve", "p-none", *base]) == 2
    assert main(["governance", "reject", "p-other", *base]) == 0


def test_hash_token(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(TOKEN + "\n"))
    assert main(["governance", "hash-token"]) == 0
    assert capsys.readouterr().out.strip() == token_hash(TOKEN)
