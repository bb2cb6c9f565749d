"""The repository over SQLAlchemy Core: PostgreSQL (asyncpg) and SQLite (aiosqlite) alike."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, and_, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from schemaline.contracts import (
    CaseId,
    ChangeSummary,
    Envelope,
    Fingerprint,
    Fqid,
    Layer,
    PipelineId,
    ProposalId,
    SchemaContract,
    Selector,
    SelectorKind,
    Subject,
    Version,
)
from schemaline.registry.confluent.store import ConfluentStore, assign_identity
from schemaline.registry.model import (
    ContractRevision,
    Proposal,
    ProposalState,
    SchemaVersion,
    SubjectConfig,
    SubjectSummary,
    parse_references,
    references_json,
)
from schemaline.registry.tables import contracts, proposals, schema_ids, subjects, versions
from schemaline.runtime.outbox import stage
from schemaline.sdk.compat import Level, Policy


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything the registry stores is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _version(row: Row[Any]) -> SchemaVersion:
    return SchemaVersion(
        fqid=Fqid(Subject.parse(row.subject), Version(row.major, row.minor)),
        fingerprint=Fingerprint(row.fingerprint),
        schema_text=row.schema_text,
        deprecated=bool(row.deprecated),
        published_at=_utc(row.published_at),
        proposal_id=ProposalId(row.proposal_id) if row.proposal_id else None,
        deleted=bool(row.deleted),
        references=parse_references(row.references_json),
    )


def _proposal(row: Row[Any]) -> Proposal:
    base = Version(row.base_major, row.base_minor) if row.base_major is not None else None
    published = Version(row.published_major, row.published_minor) if row.published_major is not None else None
    return Proposal(
        id=ProposalId(row.id),
        subject=Subject.parse(row.subject),
        proposed=Version(row.major, row.minor),
        base=base,
        fingerprint=Fingerprint(row.fingerprint),
        schema_text=row.schema_text,
        state=ProposalState(row.state),
        level=Level(row.level),
        policy=Policy(row.policy),
        changes=tuple(ChangeSummary.model_validate(item) for item in json.loads(row.changes_json)),
        covers=tuple(CaseId(item) for item in json.loads(row.covers_json)),
        proposed_by=row.proposed_by,
        created_at=_utc(row.created_at),
        decided_at=_utc(row.decided_at) if row.decided_at else None,
        decided_by=row.decided_by,
        reason=row.reason,
        published=published,
        new_major=bool(row.new_major),
        references=parse_references(row.references_json),
    )


def _contract(row: Row[Any]) -> ContractRevision:
    body = SchemaContract.model_validate_json(row.body_json) if row.body_json is not None else None
    return ContractRevision(
        pipeline_id=PipelineId(row.pipeline_id),
        layer=Layer(row.layer),
        revision=row.revision,
        contract=body,
        fingerprint=Fingerprint(row.fingerprint) if row.fingerprint else None,
        created_at=_utc(row.created_at),
        created_by=row.created_by,
    )


_NEWEST = (versions.c.major.desc(), versions.c.minor.desc())
# A version with the references of its content (Confluent schema references; usually none).
_VERSIONS = select(versions, schema_ids.c.references_json).select_from(
    versions.outerjoin(schema_ids, schema_ids.c.id == versions.c.schema_id)
)


class SqlTx:
    """`Tx` over one connection inside an open transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self.confluent = ConfluentStore(conn)

    # subjects
    async def ensure_subject(self, subject: Subject, now: datetime) -> None:
        if not await self.subject_exists(subject):
            await self._conn.execute(insert(subjects).values(name=str(subject), created_at=now))

    async def lock_subject(self, subject: Subject) -> None:
        # Serialises publications of one subject (PostgreSQL row lock; SQLite has one writer anyway).
        await self._conn.execute(
            select(subjects.c.name).where(subjects.c.name == str(subject)).with_for_update()
        )

    async def subject_exists(self, subject: Subject) -> bool:
        query = select(subjects.c.name).where(subjects.c.name == str(subject))
        return (await self._conn.execute(query)).first() is not None

    async def subject_config(
        self, subject: Subject, default_level: Level, default_policy: Policy
    ) -> SubjectConfig:
        query = select(subjects.c.level, subjects.c.policy).where(subjects.c.name == str(subject))
        row = (await self._conn.execute(query)).first()
        level = Level(row.level) if row is not None and row.level else None
        policy = Policy(row.policy) if row is not None and row.policy else None
        return SubjectConfig(
            level or default_level, policy or default_policy, explicit=level is not None or policy is not None
        )

    async def set_subject_config(self, subject: Subject, level: Level | None, policy: Policy | None) -> None:
        await self._conn.execute(
            update(subjects)
            .where(subjects.c.name == str(subject))
            .values(level=level.value if level else None, policy=policy.value if policy else None)
        )

    async def list_subjects(self) -> list[SubjectSummary]:
        latest = (
            select(
                versions.c.subject,
                func.count().label("n_versions"),
                func.max(versions.c.major * 1_000_000 + versions.c.minor).label("latest"),
            )
            .group_by(versions.c.subject)
            .subquery()
        )
        query = (
            select(subjects.c.name, subjects.c.level, subjects.c.policy, latest.c.n_versions, latest.c.latest)
            .select_from(subjects.outerjoin(latest, latest.c.subject == subjects.c.name))
            .order_by(subjects.c.name)
        )
        return [
            SubjectSummary(
                subject=Subject.parse(row.name),
                latest=Version(*divmod(row.latest, 1_000_000)) if row.latest is not None else None,
                version_count=row.n_versions or 0,
                level=Level(row.level) if row.level else None,
                policy=Policy(row.policy) if row.policy else None,
            )
            for row in await self._conn.execute(query)
        ]

    # versions
    async def versions(self, subject: Subject) -> list[SchemaVersion]:
        query = _VERSIONS.where(versions.c.subject == str(subject)).order_by(
            versions.c.major, versions.c.minor
        )
        found = [_version(row) for row in await self._conn.execute(query)]
        return [await self._bundled(version) for version in found]

    async def _bundled(self, version: SchemaVersion) -> SchemaVersion:
        if not version.references:
            return version
        bundle_text = await self.confluent.bundle(version.schema_text, version.references)
        return replace(version, bundle_text=bundle_text)

    async def resolve(self, selector: Selector) -> SchemaVersion | None:
        query = _VERSIONS.where(versions.c.subject == str(selector.subject))
        if selector.kind is SelectorKind.EXACT:
            assert selector.version is not None
            query = query.where(
                versions.c.major == selector.version.major, versions.c.minor == selector.version.minor
            )
        else:
            query = (
                query.where(versions.c.deprecated.is_(False), versions.c.deleted.is_(False))
                .order_by(*_NEWEST)
                .limit(1)
            )
            if selector.kind is SelectorKind.MAJOR:
                query = query.where(versions.c.major == selector.major)
        row = (await self._conn.execute(query)).first()
        return _version(row) if row is not None else None

    async def version_by_fingerprint(
        self, subject: Subject, fingerprint: Fingerprint
    ) -> SchemaVersion | None:
        query = _VERSIONS.where(versions.c.subject == str(subject), versions.c.fingerprint == fingerprint)
        row = (await self._conn.execute(query)).first()
        return _version(row) if row is not None else None

    async def insert_version(self, version: SchemaVersion) -> None:
        await self._conn.execute(
            insert(versions).values(
                subject=str(version.fqid.subject),
                major=version.fqid.version.major,
                minor=version.fqid.version.minor,
                fingerprint=version.fingerprint,
                schema_text=version.schema_text,
                deprecated=version.deprecated,
                published_at=version.published_at,
                proposal_id=version.proposal_id,
            )
        )
        references = version.references
        if not references and version.proposal_id is not None:
            query = select(proposals.c.references_json).where(proposals.c.id == version.proposal_id)
            references = parse_references((await self._conn.execute(query)).scalar_one_or_none())
        await assign_identity(self._conn, version, references)

    async def set_deprecated(self, fqid: Fqid, deprecated: bool) -> None:
        await self._conn.execute(
            update(versions)
            .where(
                versions.c.subject == str(fqid.subject),
                versions.c.major == fqid.version.major,
                versions.c.minor == fqid.version.minor,
            )
            .values(deprecated=deprecated)
        )

    # proposals
    async def insert_proposal(self, proposal: Proposal) -> None:
        await self._conn.execute(
            insert(proposals).values(
                id=proposal.id,
                subject=str(proposal.subject),
                major=proposal.proposed.major,
                minor=proposal.proposed.minor,
                base_major=proposal.base.major if proposal.base else None,
                base_minor=proposal.base.minor if proposal.base else None,
                fingerprint=proposal.fingerprint,
                schema_text=proposal.schema_text,
                state=proposal.state.value,
                level=proposal.level.value,
                policy=proposal.policy.value,
                changes_json=json.dumps([change.model_dump(mode="json") for change in proposal.changes]),
                covers_json=json.dumps(list(proposal.covers)),
                proposed_by=proposal.proposed_by,
                created_at=proposal.created_at,
                new_major=proposal.new_major,
                references_json=references_json(proposal.references) if proposal.references else None,
            )
        )

    async def proposal(self, proposal_id: ProposalId) -> Proposal | None:
        row = (await self._conn.execute(select(proposals).where(proposals.c.id == proposal_id))).first()
        return _proposal(row) if row is not None else None

    async def pending_by_fingerprint(self, subject: Subject, fingerprint: Fingerprint) -> Proposal | None:
        query = select(proposals).where(
            proposals.c.subject == str(subject),
            proposals.c.fingerprint == fingerprint,
            proposals.c.state == ProposalState.PENDING.value,
        )
        row = (await self._conn.execute(query)).first()
        return _proposal(row) if row is not None else None

    async def list_proposals(
        self, subject: Subject | None, state: ProposalState | None, limit: int
    ) -> list[Proposal]:
        query = select(proposals).order_by(proposals.c.created_at.desc(), proposals.c.id).limit(limit)
        if subject is not None:
            query = query.where(proposals.c.subject == str(subject))
        if state is not None:
            query = query.where(proposals.c.state == state.value)
        return [_proposal(row) for row in await self._conn.execute(query)]

    async def decide_proposal(self, proposal: Proposal) -> None:
        await self._conn.execute(
            update(proposals)
            .where(proposals.c.id == proposal.id)
            .values(
                state=proposal.state.value,
                decided_at=proposal.decided_at,
                decided_by=proposal.decided_by,
                reason=proposal.reason,
                published_major=proposal.published.major if proposal.published else None,
                published_minor=proposal.published.minor if proposal.published else None,
            )
        )

    # contracts
    async def contract_revisions(self, pipeline_id: PipelineId, layer: Layer) -> list[ContractRevision]:
        query = (
            select(contracts)
            .where(contracts.c.pipeline_id == pipeline_id, contracts.c.layer == layer.value)
            .order_by(contracts.c.revision)
        )
        return [_contract(row) for row in await self._conn.execute(query)]

    async def latest_contracts(self, pipeline_id: PipelineId | None) -> list[ContractRevision]:
        newest = select(
            contracts.c.pipeline_id, contracts.c.layer, func.max(contracts.c.revision).label("revision")
        ).group_by(contracts.c.pipeline_id, contracts.c.layer)
        if pipeline_id is not None:
            newest = newest.where(contracts.c.pipeline_id == pipeline_id)
        latest = newest.subquery()
        query = (
            select(contracts)
            .join(
                latest,
                and_(
                    contracts.c.pipeline_id == latest.c.pipeline_id,
                    contracts.c.layer == latest.c.layer,
                    contracts.c.revision == latest.c.revision,
                ),
            )
            .where(contracts.c.body_json.is_not(None))
            .order_by(contracts.c.pipeline_id, contracts.c.layer)
        )
        return [_contract(row) for row in await self._conn.execute(query)]

    async def add_contract_revision(self, revision: ContractRevision) -> None:
        await self._conn.execute(
            insert(contracts).values(
                pipeline_id=revision.pipeline_id,
                layer=revision.layer.value,
                revision=revision.revision,
                body_json=revision.contract.model_dump_json() if revision.contract else None,
                fingerprint=revision.fingerprint,
                created_at=revision.created_at,
                created_by=revision.created_by,
            )
        )

    # events and idempotency
    async def enqueue(self, envelopes: Sequence[Envelope[Any]]) -> None:
        await stage(self._conn, envelopes)


class SqlRepository:
    """`Repository` over an async engine (the service owns and disposes the engine)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # Same pool; no BEGIN/COMMIT round trips around a lone SELECT.
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlTx]:
        async with self.engine.begin() as conn:
            yield SqlTx(conn)

    def bind(self, conn: AsyncConnection) -> SqlTx:
        return SqlTx(conn)

    async def resolve(self, selector: Selector) -> SchemaVersion | None:
        # The engine does not ping connections on checkout (a round trip per request); a connection
        # found dead is invalidated by SQLAlchemy, and the read is tried once more on a fresh one.
        for attempt in (1, 2):
            try:
                async with self._autocommit.connect() as conn:
                    return await SqlTx(conn).resolve(selector)
            except DBAPIError as exc:
                if attempt == 2 or not exc.connection_invalidated:
                    raise
        raise AssertionError("unreachable")

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
