"""The repository port: one transaction (`Tx`) holds every read and write of one use case."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from schemaline.contracts import Envelope, Fingerprint, Fqid, Layer, PipelineId, ProposalId, Selector, Subject
from schemaline.registry.confluent.store import ConfluentStore
from schemaline.registry.model import (
    ContractRevision,
    Proposal,
    ProposalState,
    SchemaVersion,
    SubjectConfig,
    SubjectSummary,
)
from schemaline.sdk.compat import Level, Policy


class Tx(Protocol):
    """Reads and writes inside one database transaction; events enqueued here commit with them."""

    confluent: ConfluentStore  # the Confluent view (ids, integer versions, modes) in this transaction

    # subjects
    async def ensure_subject(self, subject: Subject, now: datetime) -> None: ...
    async def lock_subject(self, subject: Subject) -> None: ...
    async def subject_exists(self, subject: Subject) -> bool: ...
    async def subject_config(
        self, subject: Subject, default_level: Level, default_policy: Policy
    ) -> SubjectConfig: ...
    async def set_subject_config(
        self, subject: Subject, level: Level | None, policy: Policy | None
    ) -> None: ...
    async def list_subjects(self) -> list[SubjectSummary]: ...

    # versions
    async def versions(self, subject: Subject) -> list[SchemaVersion]:
        """Every published version, oldest first."""

    async def resolve(self, selector: Selector) -> SchemaVersion | None:
        """Exact: that version. latest / ^MAJOR: the newest matching version not deprecated."""

    async def version_by_fingerprint(
        self, subject: Subject, fingerprint: Fingerprint
    ) -> SchemaVersion | None: ...
    async def insert_version(self, version: SchemaVersion) -> None: ...
    async def set_deprecated(self, fqid: Fqid, deprecated: bool) -> None: ...

    # proposals
    async def insert_proposal(self, proposal: Proposal) -> None: ...
    async def proposal(self, proposal_id: ProposalId) -> Proposal | None: ...
    async def pending_by_fingerprint(self, subject: Subject, fingerprint: Fingerprint) -> Proposal | None: ...
    async def list_proposals(
        self, subject: Subject | None, state: ProposalState | None, limit: int
    ) -> list[Proposal]: ...
    async def decide_proposal(self, proposal: Proposal) -> None:
        """Store the decision fields (state, decided_*, reason, published) of `proposal`."""

    # contracts
    async def contract_revisions(self, pipeline_id: PipelineId, layer: Layer) -> list[ContractRevision]:
        """Every revision, oldest first (deletions included)."""

    async def latest_contracts(self, pipeline_id: PipelineId | None) -> list[ContractRevision]:
        """The latest revision of each (pipeline, layer), deleted ones left out."""

    async def add_contract_revision(self, revision: ContractRevision) -> None: ...

    # events and idempotency
    async def enqueue(self, envelopes: Sequence[Envelope[Any]]) -> None:
        """Write events to the outbox; the relay publishes them once this transaction commits."""


class Repository(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        """Begin a transaction; it commits when the block exits normally, rolls back otherwise."""

    def bind(self, conn: AsyncConnection) -> Tx:
        """The repository inside a transaction someone else opened (the runtime, for a handler)."""

    async def resolve(self, selector: Selector) -> SchemaVersion | None:
        """The fetch hot path: `Tx.resolve` as one statement outside any transaction."""

    async def ping(self) -> None:
        """Raise when the database cannot be reached."""
