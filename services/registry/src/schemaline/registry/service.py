"""The registry's use cases: each is one transaction over the repository, events leave via the outbox."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from schemaline.contracts import (
    CaseId,
    Fqid,
    Layer,
    PipelineId,
    ProposalId,
    SchemaContract,
    SchemaProposed,
    Selector,
    Subject,
    new_envelope,
)
from schemaline.registry.compat import Assessment, Checker, assess, parse_candidate
from schemaline.registry.errors import IncompatibleError, InvalidRequestError, NotFoundError
from schemaline.registry.fingerprint import fingerprint_of, normalize
from schemaline.registry.model import (
    ContractRevision,
    Proposal,
    ProposalState,
    SchemaVersion,
    SubjectConfig,
    SubjectSummary,
)
from schemaline.registry.repository import Repository, Tx
from schemaline.registry.settings import CompatDefaults
from schemaline.sdk.compat import Level, Policy

SOURCE = "registry"
GLOBAL_LEVEL = "compatibility"  # `registry_config` row of the run-time global level


def utcnow() -> datetime:
    return datetime.now(UTC)


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Registry:
    """What the use cases need; built once by `bootstrap`."""

    repo: Repository
    checker: Checker
    defaults: CompatDefaults = field(default_factory=CompatDefaults)
    now: Callable[[], datetime] = utcnow
    notify_outbox: Callable[[], None] = _nothing  # wakes the relay after a commit that enqueued events

    async def config_of(self, tx: Tx, subject: Subject) -> SubjectConfig:
        # The global level may have been changed at run time (Confluent's PUT /config).
        level = await tx.confluent.setting(GLOBAL_LEVEL)
        return await tx.subject_config(
            subject, Level(level) if level else self.defaults.level, self.defaults.policy
        )


# ---- reads -------------------------------------------------------------------------------------


async def fetch(registry: Registry, selector: Selector) -> SchemaVersion:
    found = await registry.repo.resolve(selector)
    if found is None:
        raise NotFoundError(f"no published version matches {selector}")
    return found


async def list_subjects(registry: Registry) -> list[SubjectSummary]:
    async with registry.repo.transaction() as tx:
        return await tx.list_subjects()


async def list_proposals(
    registry: Registry, subject: Subject | None, state: ProposalState | None, limit: int
) -> list[Proposal]:
    async with registry.repo.transaction() as tx:
        return await tx.list_proposals(subject, state, limit)


async def subject_versions(registry: Registry, subject: Subject) -> list[SchemaVersion]:
    async with registry.repo.transaction() as tx:
        if not await tx.subject_exists(subject):
            raise NotFoundError(f"unknown subject {subject}")
        return await tx.versions(subject)


async def subject_config(registry: Registry, subject: Subject) -> SubjectConfig:
    async with registry.repo.transaction() as tx:
        if not await tx.subject_exists(subject):
            raise NotFoundError(f"unknown subject {subject}")
        return await registry.config_of(tx, subject)


async def get_proposal(registry: Registry, proposal_id: ProposalId) -> Proposal:
    async with registry.repo.transaction() as tx:
        found = await tx.proposal(proposal_id)
    if found is None:
        raise NotFoundError(f"unknown proposal {proposal_id}")
    return found


# ---- compatibility and proposals ---------------------------------------------------------------


async def dry_run(
    registry: Registry,
    subject: Subject,
    document: Any,
    level: Level | None = None,
    policy: Policy | None = None,
) -> Assessment:
    """The verdict a proposal would get, registering nothing."""
    candidate = await asyncio.to_thread(parse_candidate, document)
    async with registry.repo.transaction() as tx:
        config = await registry.config_of(tx, subject)
        history = await tx.versions(subject)
    config = SubjectConfig(level or config.level, policy or config.policy, config.explicit)
    return await asyncio.to_thread(assess, registry.checker, candidate, history, config)


@dataclass(frozen=True, slots=True)
class ProposeOutcome:
    """`existing`: identical content is already published; `pending`: awaiting the gate."""

    status: Literal["existing", "pending"]
    created: bool
    version: SchemaVersion | None = None
    proposal: Proposal | None = None


async def propose(
    registry: Registry,
    subject: Subject,
    document: Any,
    *,
    proposed_by: str,
    covers: Sequence[CaseId] = (),
    new_major: bool = False,
) -> ProposeOutcome:
    """Check a candidate and store it as a pending proposal; identical content returns what exists.

    Parsing and checking run in a worker thread: a big schema must not hold up every other request.
    """
    candidate = await asyncio.to_thread(parse_candidate, document)
    async with registry.repo.transaction() as tx:
        existing = await tx.version_by_fingerprint(subject, candidate.fingerprint)
        if existing is not None:
            return ProposeOutcome("existing", created=False, version=existing)
        pending = await tx.pending_by_fingerprint(subject, candidate.fingerprint)
        if pending is not None:
            return ProposeOutcome("pending", created=False, proposal=pending)
        config = await registry.config_of(tx, subject)
        history = await tx.versions(subject)
        assessment = await asyncio.to_thread(
            assess, registry.checker, candidate, history, config, new_major=new_major
        )
        if assessment.blocks:
            raise IncompatibleError(
                f"{subject}: the candidate breaks {config.level.value}/{config.policy.value} compatibility "
                f"with {assessment.base.fqid if assessment.base else 'its history'}",
                assessment.changes,
            )
        await tx.ensure_subject(subject, registry.now())
        proposal = Proposal(
            id=ProposalId(str(uuid.uuid4())),
            subject=subject,
            proposed=assessment.next_version,
            base=assessment.base.fqid.version if assessment.base else None,
            fingerprint=candidate.fingerprint,
            schema_text=candidate.normalized,
            state=ProposalState.PENDING,
            level=config.level,
            policy=config.policy,
            changes=assessment.changes,
            covers=tuple(covers),
            proposed_by=proposed_by,
            created_at=registry.now(),
            new_major=new_major and bool(history),
        )
        await tx.insert_proposal(proposal)
        event = SchemaProposed(
            proposal_id=proposal.id,
            subject=subject,
            proposed_fqid=proposal.proposed_fqid,
            base_fqid=proposal.base_fqid,
            fingerprint=proposal.fingerprint,
            compatible=assessment.verdict.compatible,
            level=config.level.value,
            policy=config.policy.value,
            changes=proposal.changes,
            covers_drift_cases=proposal.covers,
            proposed_by=proposed_by,
        )
        await tx.enqueue([new_envelope(event, source=SOURCE)])
    registry.notify_outbox()
    return ProposeOutcome("pending", created=True, proposal=proposal)


# ---- governance and configuration --------------------------------------------------------------


async def set_deprecated(registry: Registry, fqid: Fqid, deprecated: bool) -> SchemaVersion:
    async with registry.repo.transaction() as tx:
        version = await tx.resolve(Selector.exact(fqid))
        if version is None:
            raise NotFoundError(f"unknown version {fqid}")
        await tx.set_deprecated(fqid, deprecated)
    return replace(version, deprecated=deprecated)


async def configure(
    registry: Registry, subject: Subject, level: Level | None, policy: Policy | None
) -> SubjectConfig:
    """Set (or, with None, reset to the global default) a subject's level and policy."""
    async with registry.repo.transaction() as tx:
        await tx.ensure_subject(subject, registry.now())
        await tx.set_subject_config(subject, level, policy)
        return await registry.config_of(tx, subject)


# ---- contracts ---------------------------------------------------------------------------------


async def put_contract(
    registry: Registry, contract: SchemaContract, *, by: str
) -> tuple[ContractRevision, bool]:
    """Store a new revision unless the latest one is identical; the selector must resolve."""
    fingerprint = fingerprint_of(normalize(contract.model_dump(mode="json")))
    async with registry.repo.transaction() as tx:
        if await tx.resolve(contract.schema_selector) is None:
            raise InvalidRequestError(
                f"schema_selector {contract.schema_selector} matches no published version",
                pointer="/schema_selector",
            )
        history = await tx.contract_revisions(contract.pipeline_id, contract.layer)
        if history and history[-1].fingerprint == fingerprint:
            return history[-1], False
        revision = ContractRevision(
            pipeline_id=contract.pipeline_id,
            layer=contract.layer,
            revision=len(history) + 1,
            contract=contract,
            fingerprint=fingerprint,
            created_at=registry.now(),
            created_by=by,
        )
        await tx.add_contract_revision(revision)
    return revision, True


async def contract_history(
    registry: Registry, pipeline_id: PipelineId, layer: Layer
) -> list[ContractRevision]:
    async with registry.repo.transaction() as tx:
        history = await tx.contract_revisions(pipeline_id, layer)
    if not history:
        raise NotFoundError(f"no contract for pipeline {pipeline_id} layer {layer.value}")
    return history


async def current_contract(registry: Registry, pipeline_id: PipelineId, layer: Layer) -> ContractRevision:
    latest = (await contract_history(registry, pipeline_id, layer))[-1]
    if latest.contract is None:
        raise NotFoundError(f"the contract for pipeline {pipeline_id} layer {layer.value} was deleted")
    return latest


async def delete_contract(
    registry: Registry, pipeline_id: PipelineId, layer: Layer, *, by: str
) -> ContractRevision:
    """Delete by adding a tombstone revision: the history stays."""
    async with registry.repo.transaction() as tx:
        history = await tx.contract_revisions(pipeline_id, layer)
        if not history or history[-1].contract is None:
            raise NotFoundError(f"no contract for pipeline {pipeline_id} layer {layer.value}")
        tombstone = ContractRevision(pipeline_id, layer, len(history) + 1, None, None, registry.now(), by)
        await tx.add_contract_revision(tombstone)
    return tombstone


async def list_contracts(registry: Registry, pipeline_id: PipelineId | None) -> list[ContractRevision]:
    async with registry.repo.transaction() as tx:
        return await tx.latest_contracts(pipeline_id)
