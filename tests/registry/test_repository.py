"""The repository port over SQLite and PostgreSQL: one suite, both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from schemaline.contracts import (
    CaseId,
    ChangeSummary,
    Component,
    Fingerprint,
    Fqid,
    IntegrationMode,
    Layer,
    PipelineId,
    ProposalId,
    SchemaContract,
    SchemaPublished,
    Selector,
    Subject,
    ValidationTiming,
    Version,
    new_envelope,
)
from schemaline.registry.migrations import migrate
from schemaline.registry.model import ContractRevision, Proposal, ProposalState, SchemaVersion
from schemaline.registry.sql import SqlRepository
from schemaline.runtime.db import create_engine
from schemaline.runtime.outbox import OutboxRelay
from schemaline.runtime.settings import OutboxSettings
from schemaline.sdk.compat import Level, Policy
from tests.support.postgres import ADMIN_DSN
from tests.support.registry import fresh_postgres_database

SUBJECT = Subject.parse("finance.gdp.invoice")
NOW = datetime(2025, 10, 7, 12, 0, tzinfo=UTC)


@pytest.fixture
async def repo(database_url: str) -> AsyncIterator[SqlRepository]:
    engine = create_engine(database_url)
    await migrate(engine)
    async with SqlRepository(engine).transaction() as tx:
        await tx.ensure_subject(SUBJECT, NOW)
    try:
        yield SqlRepository(engine)
    finally:
        await engine.dispose()


def version(major: int, minor: int, *, deprecated: bool = False) -> SchemaVersion:
    text = f'{{"title":"v{major}.{minor}"}}'
    return SchemaVersion(
        Fqid(SUBJECT, Version(major, minor)), Fingerprint(f"sha256:{major}-{minor}"), text, deprecated, NOW
    )


async def test_versions_come_back_oldest_first(repo: SqlRepository) -> None:
    async with repo.transaction() as tx:
        for major, minor in ((2, 0), (1, 0), (1, 10), (1, 2)):
            await tx.insert_version(version(major, minor))
    async with repo.transaction() as tx:
        found = [str(v.fqid.version) for v in await tx.versions(SUBJECT)]
    assert found == ["v1.0", "v1.2", "v1.10", "v2.0"]


async def test_resolve_exact_latest_major_skipping_deprecated(repo: SqlRepository) -> None:
    async with repo.transaction() as tx:
        for v in (
            version(1, 0),
            version(1, 1),
            version(1, 2, deprecated=True),
            version(2, 0, deprecated=True),
        ):
            await tx.insert_version(v)

    async def resolve(spec: str) -> str | None:
        async with repo.transaction() as tx:
            found = await tx.resolve(Selector.parse(f"{SUBJECT}:{spec}"))
        return str(found.fqid.version) if found else None

    assert await resolve("latest") == "v1.1"
    assert await resolve("^1") == "v1.1"
    assert await resolve("^2") is None
    assert await resolve("v2.0") == "v2.0"  # exact still resolves a deprecated version
    assert await resolve("v3.0") is None


async def test_published_content_is_unique_per_subject(repo: SqlRepository) -> None:
    async with repo.transaction() as tx:
        await tx.insert_version(version(1, 0))
    with pytest.raises(IntegrityError):
        async with repo.transaction() as tx:
            await tx.insert_version(replace(version(1, 1), fingerprint=Fingerprint("sha256:1-0")))
    async with repo.transaction() as tx:
        found = await tx.version_by_fingerprint(SUBJECT, Fingerprint("sha256:1-0"))
        assert found is not None
        assert found.fqid.version == Version(1, 0)
        assert found.published_at == NOW


async def test_proposal_round_trip_and_decision(repo: SqlRepository) -> None:
    change = ChangeSummary(type="PROPERTY_ADDED", path="#/properties/x", compatible=True, message="x added")
    proposal = Proposal(
        id=ProposalId("p-1"),
        subject=SUBJECT,
        proposed=Version(1, 1),
        base=Version(1, 0),
        fingerprint=Fingerprint("sha256:p1"),
        schema_text="{}",
        state=ProposalState.PENDING,
        level=Level.BACKWARD,
        policy=Policy.STRICT,
        changes=(change,),
        covers=(CaseId("case-7"),),
        proposed_by="publisher-bot",
        created_at=NOW,
    )
    async with repo.transaction() as tx:
        await tx.insert_proposal(proposal)
    async with repo.transaction() as tx:
        assert await tx.proposal(ProposalId("p-1")) == proposal
        assert await tx.pending_by_fingerprint(SUBJECT, Fingerprint("sha256:p1")) == proposal
        decided = replace(
            proposal, state=ProposalState.PUBLISHED, decided_at=NOW, decided_by="gov", published=Version(1, 1)
        )
        await tx.decide_proposal(decided)
    async with repo.transaction() as tx:
        assert await tx.proposal(ProposalId("p-1")) == decided
        assert await tx.pending_by_fingerprint(SUBJECT, Fingerprint("sha256:p1")) is None
        assert await tx.list_proposals(SUBJECT, ProposalState.PUBLISHED, 10) == [decided]
        assert await tx.list_proposals(None, ProposalState.PENDING, 10) == []


async def test_contract_revisions_and_tombstones(repo: SqlRepository) -> None:
    contract = SchemaContract(
        pipeline_id=PipelineId("finance_gdp_transform"),
        layer=Layer.GDP,
        component=Component.GLUE,
        schema_selector=Selector.parse("finance.gdp.invoice:^1"),
        integration_mode=IntegrationMode.IN_PROCESS,
        validation_timing=ValidationTiming.PRE_JOB,
    )
    key = (PipelineId("finance_gdp_transform"), Layer.GDP)
    async with repo.transaction() as tx:
        await tx.add_contract_revision(
            ContractRevision(*key, 1, contract, Fingerprint("sha256:c1"), NOW, "a")
        )
        assert [c.contract for c in await tx.latest_contracts(None)] == [contract]
        await tx.add_contract_revision(ContractRevision(*key, 2, None, None, NOW, "a"))
    async with repo.transaction() as tx:
        assert [r.contract for r in await tx.contract_revisions(*key)] == [contract, None]
        assert await tx.latest_contracts(None) == []
        assert await tx.latest_contracts(PipelineId("other")) == []


async def test_events_enqueued_in_a_rolled_back_transaction_never_leave(repo: SqlRepository) -> None:
    event = SchemaPublished(
        fqid=Fqid.parse(f"{SUBJECT}:v1.0"), fingerprint=Fingerprint("sha256:x"), published_at=NOW
    )
    relay = OutboxRelay(repo.engine, publisher=_NeverPublish(), settings=OutboxSettings())

    async def enqueue_then_fail() -> None:
        async with repo.transaction() as tx:
            await tx.enqueue([new_envelope(event, source="registry")])
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await enqueue_then_fail()
    assert await relay.pending() == 0
    async with repo.transaction() as tx:
        await tx.enqueue([new_envelope(event, source="registry")])
    assert await relay.pending() == 1


class _NeverPublish:
    async def publish(self, envelope: object) -> None:
        raise AssertionError("nothing should be published")

    async def publish_many(self, envelopes: object) -> None:
        raise AssertionError("nothing should be published")


@pytest.mark.postgres
async def test_fetch_survives_a_pooled_connection_killed_by_the_server() -> None:
    async with fresh_postgres_database() as url:
        engine = create_engine(url, pool_pre_ping=False)
        try:
            await migrate(engine)
            repo = SqlRepository(engine)
            async with repo.transaction() as tx:
                await tx.ensure_subject(SUBJECT, NOW)
                await tx.insert_version(version(1, 0))
            selector = Selector.parse(f"{SUBJECT}:latest")
            assert await repo.resolve(selector) is not None  # the pool now holds an open connection
            admin = await asyncpg.connect(ADMIN_DSN)
            try:
                killed = await admin.fetchval(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1",
                    url.rsplit("/", 1)[1],
                )
            finally:
                await admin.close()
            assert killed >= 1
            found = await repo.resolve(selector)
            assert found is not None
            assert found.fqid.version == Version(1, 0)
        finally:
            await engine.dispose()


async def test_migration_0002_keeps_existing_proposals(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine, "0001")
        async with engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO subjects (name, created_at) VALUES (:name, :now)"),
                {"name": str(SUBJECT), "now": NOW},
            )
            await conn.execute(
                text(
                    "INSERT INTO proposals (id, subject, major, minor, fingerprint, schema_text, state,"
                    " level, policy, changes_json, covers_json, proposed_by, created_at)"
                    " VALUES ('p-old', :subject, 1, 0, 'sha256:o', '{}', 'pending', 'BACKWARD', 'strict',"
                    " '[]', '[]', 'someone', :now)"
                ),
                {"subject": str(SUBJECT), "now": NOW},
            )
        await migrate(engine)
        async with SqlRepository(engine).transaction() as tx:
            old = await tx.proposal(ProposalId("p-old"))
        assert old is not None
        assert old.new_major is False
        assert old.state is ProposalState.PENDING
    finally:
        await engine.dispose()
