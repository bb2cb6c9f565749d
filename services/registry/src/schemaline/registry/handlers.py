"""Event handlers: plain async functions of an event and the registry, registered in `HANDLERS`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import structlog

from schemaline.contracts import (
    Envelope,
    EventDetail,
    Fqid,
    PipeCode,
    SchemaApproved,
    SchemaPublished,
    SchemaRejected,
    new_envelope,
)
from schemaline.registry.compat import Candidate, assess
from schemaline.registry.model import ProposalState, SchemaVersion
from schemaline.registry.service import SOURCE, Registry

log = structlog.get_logger("schemaline.registry")

SERVICE = "registry"


async def on_schema_approved(envelope: Envelope[SchemaApproved], registry: Registry) -> None:
    """Re-check against the then-latest version; publish (SchemaPublished) or reject (SchemaRejected)."""
    event = envelope.detail
    async with registry.repo.transaction() as tx:
        if not await tx.mark_processed(SERVICE, envelope.id):
            return
        await tx.lock_subject(event.subject)
        proposal = await tx.proposal(event.proposal_id)
        if proposal is None or proposal.state is not ProposalState.PENDING:
            state = proposal.state.value if proposal else "unknown"
            log.warning("approval ignored: proposal not pending", proposal_id=event.proposal_id, state=state)
            return
        now = registry.now()
        history = await tx.versions(proposal.subject)
        config = await registry.config_of(tx, proposal.subject)
        candidate = Candidate.stored(proposal.schema_text, proposal.fingerprint)
        assessment = assess(registry.checker, candidate, history, config, new_major=proposal.new_major)
        if assessment.blocks:
            base = assessment.base.fqid if assessment.base else None
            reason = (
                f"{PipeCode.INCOMPATIBLE_SCHEMA.value}: no longer compatible with {base} "
                f"({config.level.value}/{config.policy.value}): "
                + "; ".join(f"{c.path} {c.message}" for c in assessment.changes if not c.compatible)
            )
            await tx.decide_proposal(
                replace(
                    proposal, state=ProposalState.REJECTED, decided_at=now, decided_by=SOURCE, reason=reason
                )
            )
            rejected = SchemaRejected(
                proposal_id=proposal.id,
                subject=proposal.subject,
                proposed_fqid=proposal.proposed_fqid,
                rejected_by=SOURCE,
                reason=reason,
            )
            await tx.enqueue([new_envelope(rejected, source=SOURCE, cause=envelope)])
        else:
            fqid = Fqid(proposal.subject, assessment.next_version)
            version = SchemaVersion(fqid, proposal.fingerprint, proposal.schema_text, False, now, proposal.id)
            await tx.insert_version(version)
            await tx.decide_proposal(
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
            await tx.enqueue([new_envelope(published, source=SOURCE, cause=envelope)])
    registry.notify_outbox()


async def on_schema_rejected(envelope: Envelope[SchemaRejected], registry: Registry) -> None:
    """Mark a pending proposal rejected with the gate's reason."""
    event = envelope.detail
    async with registry.repo.transaction() as tx:
        if not await tx.mark_processed(SERVICE, envelope.id):
            return
        proposal = await tx.proposal(event.proposal_id)
        if proposal is None or proposal.state is not ProposalState.PENDING:
            return
        await tx.decide_proposal(
            replace(
                proposal,
                state=ProposalState.REJECTED,
                decided_at=registry.now(),
                decided_by=event.rejected_by,
                reason=event.reason,
            )
        )


EventHandler = Callable[[Envelope[Any], Registry], Awaitable[None]]

HANDLERS: dict[type[EventDetail], EventHandler] = {
    SchemaApproved: on_schema_approved,
    SchemaRejected: on_schema_rejected,
}
