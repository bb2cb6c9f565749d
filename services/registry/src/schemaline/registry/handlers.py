"""Event handlers: plain async functions of an event, the registry and the runtime's transaction."""

from __future__ import annotations

from dataclasses import replace

import structlog

from schemaline.contracts import (
    Envelope,
    Fqid,
    PipeCode,
    SchemaApproved,
    SchemaPublished,
    SchemaRejected,
)
from schemaline.registry.compat import Candidate, assess
from schemaline.registry.model import ProposalState, SchemaVersion
from schemaline.registry.service import SOURCE, Registry
from schemaline.runtime.handling import Tx, TxHandlers

log = structlog.get_logger("schemaline.registry")

SERVICE = "registry"


async def on_schema_approved(envelope: Envelope[SchemaApproved], registry: Registry, tx: Tx) -> None:
    """Re-check against the then-latest version; publish (SchemaPublished) or reject (SchemaRejected)."""
    event = envelope.detail
    repo = registry.repo.bind(tx.conn)
    await repo.lock_subject(event.subject)
    proposal = await repo.proposal(event.proposal_id)
    if proposal is None or proposal.state is not ProposalState.PENDING:
        state = proposal.state.value if proposal else "unknown"
        log.warning("approval ignored: proposal not pending", proposal_id=event.proposal_id, state=state)
        return
    now = registry.now()
    history = await repo.versions(proposal.subject)
    config = await registry.config_of(repo, proposal.subject)
    candidate = Candidate.stored(proposal.schema_text, proposal.fingerprint)
    assessment = assess(registry.checker, candidate, history, config, new_major=proposal.new_major)
    if assessment.blocks:
        base = assessment.base.fqid if assessment.base else None
        reason = (
            f"{PipeCode.INCOMPATIBLE_SCHEMA.value}: no longer compatible with {base} "
            f"({config.level.value}/{config.policy.value}): "
            + "; ".join(f"{c.path} {c.message}" for c in assessment.changes if not c.compatible)
        )
        await repo.decide_proposal(
            replace(proposal, state=ProposalState.REJECTED, decided_at=now, decided_by=SOURCE, reason=reason)
        )
        rejected = SchemaRejected(
            proposal_id=proposal.id,
            subject=proposal.subject,
            proposed_fqid=proposal.proposed_fqid,
            rejected_by=SOURCE,
            reason=reason,
        )
        tx.emit(rejected, "rejected")
        return
    fqid = Fqid(proposal.subject, assessment.next_version)
    version = SchemaVersion(fqid, proposal.fingerprint, proposal.schema_text, False, now, proposal.id)
    await repo.insert_version(version)
    await repo.decide_proposal(
        replace(
            proposal,
            state=ProposalState.PUBLISHED,
            decided_at=now,
            decided_by=event.approved_by,
            reason=event.reason,
            published=fqid.version,
        )
    )
    published = SchemaPublished(
        fqid=fqid,
        fingerprint=proposal.fingerprint,
        previous_fqid=assessment.base.fqid if assessment.base else None,
        proposal_id=proposal.id,
        covers_drift_cases=proposal.covers,
        published_at=now,
    )
    tx.emit(published, "published")


async def on_schema_rejected(envelope: Envelope[SchemaRejected], registry: Registry, tx: Tx) -> None:
    """Mark a pending proposal rejected with the gate's reason."""
    event = envelope.detail
    repo = registry.repo.bind(tx.conn)
    proposal = await repo.proposal(event.proposal_id)
    if proposal is None or proposal.state is not ProposalState.PENDING:
        return
    await repo.decide_proposal(
        replace(
            proposal,
            state=ProposalState.REJECTED,
            decided_at=registry.now(),
            decided_by=event.rejected_by,
            reason=event.reason,
        )
    )


HANDLERS = TxHandlers[Registry]()
HANDLERS.on(SchemaApproved, on_schema_approved)
HANDLERS.on(SchemaRejected, on_schema_rejected)
