"""Governance's operator API on SQLite and PostgreSQL: reads, decisions by the token's name, replay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.contracts import Envelope
from schemaline.governance.tables import ledger_entries
from schemaline.runtime.bus import InMemoryTransport
from schemaline.runtime.settings import Role
from tests.governance.events import drift, governance_api, proposed
from tests.governance.replay_suite import incident
from tests.support.aio import eventually
from tests.support.api import assert_roles, client
from tests.support.registry import bearer

SAMPLE = {"proposal_id": "p-fix"}
ACTIONS = {
    ("POST", "/api/v1/governance/proposals/{proposal_id}/approve"): {Role.APPROVER},
    ("POST", "/api/v1/governance/proposals/{proposal_id}/reject"): {Role.APPROVER},
    ("POST", "/api/v1/ledger/replay"): {Role.APPROVER},
}


@dataclass
class Api:
    app: FastAPI
    http: httpx.AsyncClient
    engine: AsyncEngine
    bus: InMemoryTransport
    events: list[Envelope[Any]]

    async def tamper(self, seq: int) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(ledger_entries).where(ledger_entries.c.seq == seq))


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    events = [drift(case="dc-7"), proposed("p-fix", covers=("dc-7",)), proposed("p-other", version="v1.3")]
    events += incident()
    transport = InMemoryTransport()
    async with governance_api(database_url, transport, events) as running, client(running.app) as http:
        yield Api(running.app, http, running.engine, transport, events)


async def test_lists_and_one_proposal(api: Api) -> None:
    runner = bearer(Role.RUNNER)
    pending = (await api.http.get("/api/v1/governance/proposals?status=pending", headers=runner)).json()
    assert sorted(p["proposal_id"] for p in pending) == ["p-1", "p-fix", "p-other"]
    held = (await api.http.get("/api/v1/governance/proposals/p-other", headers=runner)).json()
    assert held["blocked_by"] == ["dc-7"]
    assert held["reason"].startswith("held: open drift case(s)")
    assert (await api.http.get("/api/v1/governance/proposals/p-none", headers=runner)).status_code == 404
    cases = (await api.http.get("/api/v1/governance/cases?status=open", headers=runner)).json()
    assert [c["case_id"] for c in cases] == ["dc-7"]
    violations = (await api.http.get("/api/v1/governance/violations", headers=runner)).json()
    assert [v["run_id"] for v in violations] == ["jr-4"]
    bad = await api.http.get("/api/v1/governance/proposals?status=maybe", headers=runner)
    assert bad.status_code == 422


async def test_the_decider_is_the_tokens_name_and_the_gate_still_applies(api: Api) -> None:
    approver = bearer(Role.APPROVER)
    held = await api.http.post(
        "/api/v1/governance/proposals/p-other/approve", json={"reason": "why not"}, headers=approver
    )
    assert held.status_code == 409
    assert "dc-7" in held.json()["message"]
    missing = await api.http.post(
        "/api/v1/governance/proposals/p-none/approve", json={"reason": "x"}, headers=approver
    )
    assert missing.status_code == 404
    empty = await api.http.post(
        "/api/v1/governance/proposals/p-fix/approve", json={"reason": ""}, headers=approver
    )
    assert empty.status_code == 422
    done = await api.http.post(
        "/api/v1/governance/proposals/p-fix/approve",
        json={"reason": "adds the region code"},
        headers=approver,
    )
    assert done.status_code == 200, done.text
    assert done.json()["decided_by"] == "approver-bot"
    await eventually(lambda: len(api.bus.published) == 1, what="the decision, relayed from the outbox")
    [sent] = api.bus.events()
    assert (sent.detail_type, sent.detail.approved_by, sent.id) == (
        "SchemaApproved",
        "approver-bot",
        done.json()["event_id"],
    )
    rejected = await api.http.post(
        "/api/v1/governance/proposals/p-other/reject", json={"reason": "superseded"}, headers=approver
    )
    assert rejected.json()["detail_type"] == "SchemaRejected"


async def test_ledger_verify_then_broken(api: Api) -> None:
    ok = (await api.http.get("/api/v1/ledger/verify", headers=bearer(Role.RUNNER))).json()
    assert ok["ok"] is True
    assert ok["summary"].startswith(f"ledger OK: {ok['entries']} entries")
    wrong_head = await api.http.get(
        f"/api/v1/ledger/verify?expect_head={'0' * 64}", headers=bearer(Role.RUNNER)
    )
    assert wrong_head.json()["ok"] is False
    await api.tamper(2)
    broken = (await api.http.get("/api/v1/ledger/verify", headers=bearer(Role.RUNNER))).json()
    assert (broken["ok"], broken["broken_seq"]) == (False, 3)
    assert "missing" in broken["problem"]


async def test_replay_selects_verifies_and_publishes_with_its_name(api: Api) -> None:
    approver = bearer(Role.APPROVER)
    dry = await api.http.post(
        "/api/v1/ledger/replay",
        json={"run_ids": ["jr-2"], "name": "inc-1", "dry_run": True},
        headers=approver,
    )
    assert dry.status_code == 200, dry.text
    assert [row["run_id"] for row in dry.json()["events"]] == ["jr-2", "jr-2"]
    assert (dry.json()["published"], api.bus.published) == (0, [])
    sent = await api.http.post(
        "/api/v1/ledger/replay",
        json={"detail_types": ["BatchLanded"], "name": "inc-2", "new_ids": True},
        headers=approver,
    )
    assert sent.json()["published"] == 3
    assert {e.replay_name for e in api.bus.events()} == {"inc-2"}
    for body in (
        {"detail_types": ["BatchLandead"]},
        {"name": "has space"},
        {"since": "2025-10-07T07:00:00Z", "until": "2025-10-07T06:00:00Z"},
    ):
        assert (await api.http.post("/api/v1/ledger/replay", json=body, headers=approver)).status_code == 422
    await api.tamper(2)
    refused = await api.http.post("/api/v1/ledger/replay", json={"name": "inc-3"}, headers=approver)
    assert refused.status_code == 409
    assert refused.json()["message"].startswith("replay refused: ledger BROKEN at seq")
    assert len(api.bus.published) == 3


async def test_roles(api: Api) -> None:
    await assert_roles(api.app, SAMPLE, ACTIONS)
