"""One governance test suite, run on (in-memory bus, SQLite) and (RabbitMQ, PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.contracts import Envelope, PipeCode, PipelineFailed, SchemaApproved
from schemaline.governance import approvals, store
from schemaline.governance.chain import verify
from schemaline.governance.ledger import read_entries, read_head
from schemaline.governance.settings import GovernanceSettings
from schemaline.governance.spec import SPEC
from schemaline.governance.tables import ledger_entries
from schemaline.runtime.bus import EventBus, Transport
from schemaline.runtime.outbox import OutboxRelay
from schemaline.runtime.service import start
from schemaline.runtime.settings import BusSettings, DatabaseSettings
from tests.governance.events import SUBJECT, drift, landed, proposed, resolved
from tests.support.aio import eventually


@dataclass
class Harness:
    engine: AsyncEngine
    driver: EventBus
    relay: OutboxRelay
    seen: list[Envelope[Any]] = field(default_factory=list)

    def answers(self, kind: type[Any]) -> list[Envelope[Any]]:
        return [e for e in self.seen if isinstance(e.detail, kind)]

    async def proposal(self, proposal_id: str) -> dict[str, Any] | None:
        rows = await store.list_proposals(self.engine)
        return next((row for row in rows if row["proposal_id"] == proposal_id), None)

    async def wait_proposal(self, proposal_id: str, status: str) -> dict[str, Any]:
        found: dict[str, Any] = {}

        async def check() -> bool:
            row = await self.proposal(proposal_id)
            if row is not None and row["status"] == status:
                found.update(row)
                return True
            return False

        await async_eventually(check, what=f"proposal {proposal_id} {status}")
        return found

    async def ledgered(self, event_id: str) -> int:
        async with self.engine.connect() as conn:
            query = select(func.count()).select_from(ledger_entries).where(ledger_entries.c.ref == event_id)
            return int((await conn.execute(query)).scalar_one())


async def async_eventually(check: Callable[[], Any], *, what: str, within: float = 15.0) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


class GovernanceContract:
    @pytest.fixture
    def bus_settings(self) -> BusSettings:
        raise NotImplementedError

    @pytest.fixture
    def database_url(self) -> str:
        raise NotImplementedError

    @pytest.fixture
    def make_transport(self) -> Callable[[], Transport]:
        raise NotImplementedError

    @pytest.fixture
    async def harness(
        self, bus_settings: BusSettings, database_url: str, make_transport: Callable[[], Transport]
    ) -> AsyncIterator[Harness]:
        database = DatabaseSettings(url=SecretStr(database_url), migrate_on_start=True)
        settings = GovernanceSettings(bus=bus_settings, database=database)
        driver = EventBus(make_transport())
        seen: list[Envelope[Any]] = []

        async def probe(envelope: Envelope[Any]) -> None:
            seen.append(envelope)

        driver.subscribe("probe", ["SchemaApproved", "PipelineFailed"], probe)
        await driver.start()
        async with start(SPEC, settings, transport=make_transport()) as service:
            assert service.engine is not None
            assert service.relay is not None
            yield Harness(service.engine, driver, service.relay, seen)
        await driver.close()

    async def test_gate_blocks_with_an_open_drift_and_passes_after_drift_resolved(
        self, harness: Harness
    ) -> None:
        opened = drift()
        await harness.driver.publish(opened)
        await async_eventually(lambda: _has_open_case(harness.engine), what="drift case opened")

        await harness.driver.publish(proposed("p-1"))
        held = await harness.wait_proposal("p-1", "pending")
        assert opened.id in held["reason"]
        assert list(store.blocked_by(held)) == [opened.id]
        assert harness.answers(SchemaApproved) == []

        await harness.driver.publish(resolved(opened.id))
        approved = await harness.wait_proposal("p-1", "approved")
        assert approved["decided_by"] == "governance"
        await eventually(lambda: len(harness.answers(SchemaApproved)) == 1, what="SchemaApproved for p-1")
        assert harness.answers(SchemaApproved)[0].detail.proposal_id == "p-1"

        await harness.driver.publish(proposed("p-2", version="v1.3"))
        await harness.wait_proposal("p-2", "approved")
        assert len(await store.list_cases(harness.engine, "open")) == 0

    async def test_a_repeated_drift_counts_on_the_case_it_repeats(self, harness: Harness) -> None:
        """The drift detector names a case after its first detection and counts repeats on it;
        governance must agree, or DriftResolved would leave a phantom case blocking the gate."""
        first, repeat = drift("jr-gdp-0001"), drift("jr-gdp-0002")
        await harness.driver.publish(first)
        await harness.driver.publish(repeat)
        await async_eventually(lambda: _ledger_has(harness, repeat.id), what="the repeat ledgered")
        assert [case["case_id"] for case in await store.list_cases(harness.engine, "open")] == [first.id]

        await harness.driver.publish(proposed("p-r"))
        await harness.wait_proposal("p-r", "pending")
        await harness.driver.publish(resolved(first.id))
        await harness.wait_proposal("p-r", "approved")

    async def test_incompatible_proposal_is_held_for_an_approver(self, harness: Harness) -> None:
        await harness.driver.publish(proposed("p-x", compatible=False))
        held = await harness.wait_proposal("p-x", "pending")
        assert "incompatible" in held["reason"]

    async def test_example_b_drift_fix_proposal_is_approved_by_an_approver(self, harness: Harness) -> None:
        opened = drift(case="dc-42")
        await harness.driver.publish(opened)
        await async_eventually(lambda: _has_open_case(harness.engine), what="drift case opened")
        await harness.driver.publish(proposed("p-other", version="v1.3"))
        await harness.driver.publish(proposed("p-fix", covers=("dc-42",)))
        held = await harness.wait_proposal("p-fix", "pending")
        assert "covers them all" in held["reason"]

        with pytest.raises(approvals.ApprovalError, match="dc-42"):
            await approvals.decide(
                harness.engine, harness.relay, "p-other", approve=True, approver="alice", reason="ship it"
            )
        sent = await approvals.decide(
            harness.engine, harness.relay, "p-fix", approve=True, approver="alice", reason="adds region code"
        )
        decided = await harness.wait_proposal("p-fix", "approved")
        assert decided["decided_by"] == "alice"
        assert sent.detail.proposed_fqid.version.minor == 2
        assert await harness.proposal("p-other") is not None

        await approvals.decide(
            harness.engine, harness.relay, "p-other", approve=False, approver="alice", reason="superseded"
        )
        await harness.wait_proposal("p-other", "rejected")

    async def test_batch_without_schema_fqid_is_a_violation_answered_with_pipeline_failed(
        self, harness: Harness
    ) -> None:
        bad = landed(declared=None)
        await harness.driver.publish(bad)
        await eventually(lambda: len(harness.answers(PipelineFailed)) == 1, what="PipelineFailed")
        failed: PipelineFailed = harness.answers(PipelineFailed)[0].detail
        assert failed.code is PipeCode.VALIDATION_FAILED
        assert failed.failed_event_id == bad.id
        assert failed.violations[0].pointer == "/detail/declared_fqid"
        violations = await store.list_violations(harness.engine)
        assert [v["kind"] for v in violations] == ["undeclared_schema_fqid"]
        entries = [entry async for entry in read_entries(harness.engine)]
        assert any(e.kind == "violation" and e.ref.endswith(bad.id) for e in entries)

        await harness.driver.publish(landed("jr-ok"))
        await async_eventually(lambda: _ledger_size_at_least(harness.engine, 4), what="ledger entries")
        assert len(harness.answers(PipelineFailed)) == 1

    async def test_every_event_is_ledgered_once_even_when_redelivered(self, harness: Harness) -> None:
        event = landed("jr-dup")
        await harness.driver.publish(event)
        await harness.driver.publish(event)
        await harness.driver.publish(landed("jr-after"))
        await async_eventually(lambda: _ledger_size_at_least(harness.engine, 2), what="ledger entries")
        assert await harness.ledgered(event.id) == 1
        entries = [entry async for entry in read_entries(harness.engine)]
        result = verify(entries, head=await read_head(harness.engine))
        assert result.ok, result.render()


async def _has_open_case(engine: AsyncEngine) -> bool:
    return len(await store.list_cases(engine, "open")) > 0


async def _ledger_has(harness: Harness, event_id: str) -> bool:
    return await harness.ledgered(event_id) > 0


async def _ledger_size_at_least(engine: AsyncEngine, size: int) -> bool:
    head = await read_head(engine)
    return head is not None and head[0] >= size


__all__ = ["SUBJECT", "GovernanceContract"]
