"""What each event does to governance's state, inside the transaction that ledgers it.

What governance answers (approvals, failures) is emitted through the transaction: it commits in the
outbox with the effect and is published after the commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from schemaline.contracts import (
    BatchLanded,
    DriftResolved,
    Envelope,
    PipeCode,
    PipelineFailed,
    ProposalId,
    RuleViolation,
    SchemaApproved,
    SchemaDriftDetected,
    SchemaProposed,
    SchemaRejected,
)
from schemaline.contracts.fqid import Fqid, Subject
from schemaline.governance import ledger, store
from schemaline.governance.gate import ProposalView, evaluate, may_approve
from schemaline.governance.settings import SERVICE
from schemaline.runtime.handling import Tx

AUTO_APPROVER = "governance"


def _approve(tx: Tx, proposal: ProposalView, reason: str) -> None:
    """Emit the gate's approval; its id depends on the proposal only, whichever event let it pass."""
    detail = SchemaApproved(
        proposal_id=ProposalId(proposal.proposal_id),
        subject=Subject.parse(proposal.subject),
        proposed_fqid=Fqid.parse(proposal.proposed_fqid),
        approved_by=AUTO_APPROVER,
        reason=reason,
    )
    tx.emit(detail, "approved", about=proposal.proposal_id)


async def on_drift_detected(envelope: Envelope[SchemaDriftDetected], tx: Tx, now: datetime) -> None:
    detail = envelope.detail
    await store.open_case(
        tx.conn,
        # A case is named by the drift_case_id the event carries, else by the event that opened it;
        # a repeat of an open case's drift (same signature) counts on that case, as in drift_detector.
        case_id=detail.drift_case_id or envelope.id,
        subject=str(detail.schema_fqid.subject),
        signature=detail.signature(),
        pipeline_id=detail.pipeline_id,
        run_id=detail.run_id,
        event_id=envelope.id,
        at=now,
    )


async def on_drift_resolved(envelope: Envelope[DriftResolved], tx: Tx, now: datetime) -> None:
    detail = envelope.detail
    subject = str(detail.subject)
    await store.resolve_cases(
        tx.conn,
        case_id=detail.case_id,
        subject=subject,
        pipeline_id=detail.pipeline_id,
        run_id=detail.original_run_id,
        covering_fqid=str(detail.fqid),
        event_id=envelope.id,
        at=now,
    )
    # Proposals held only by drift pass now that the subject's cases are closed.
    remaining = await store.open_cases(tx.conn, subject)
    for proposal in await store.pending_proposals(tx.conn, subject):
        verdict = evaluate(proposal, remaining)
        if verdict.approve:
            await store.decide(
                tx.conn,
                proposal.proposal_id,
                status="approved",
                by=AUTO_APPROVER,
                reason=verdict.reason,
                at=now,
            )
            _approve(tx, proposal, verdict.reason)
        else:
            await store.hold(tx.conn, proposal.proposal_id, verdict)


async def on_proposed(envelope: Envelope[SchemaProposed], tx: Tx, now: datetime) -> None:
    detail = envelope.detail
    proposal = ProposalView(
        proposal_id=detail.proposal_id,
        subject=str(detail.subject),
        proposed_fqid=str(detail.proposed_fqid),
        compatible=detail.compatible,
        level=detail.level,
        policy=detail.policy,
        covers=tuple(detail.covers_drift_cases),
    )
    verdict = evaluate(proposal, await store.open_cases(tx.conn, proposal.subject))
    if not await store.add_proposal(tx.conn, envelope.id, detail, verdict, now) or not verdict.approve:
        return
    _approve(tx, proposal, verdict.reason)


async def on_approved(envelope: Envelope[SchemaApproved], tx: Tx, now: datetime) -> None:
    detail = envelope.detail
    proposal = await store.get_proposal(tx.conn, detail.proposal_id)
    if proposal is None or proposal.status != "pending":
        return  # our own automatic approval coming back, or a decision already recorded
    allowed, why = may_approve(proposal, await store.open_cases(tx.conn, proposal.subject))
    if not allowed:
        # Someone emitted an approval the gate forbids: keep it visible in the ledger.
        await _violation(
            tx, envelope, now, kind="approval_while_blocked", message=why, pipeline_id=None, run_id=None
        )
    await store.decide(
        tx.conn, proposal.proposal_id, status="approved", by=detail.approved_by, reason=detail.reason, at=now
    )


async def on_rejected(envelope: Envelope[SchemaRejected], tx: Tx, now: datetime) -> None:
    detail = envelope.detail
    await store.decide(
        tx.conn, detail.proposal_id, status="rejected", by=detail.rejected_by, reason=detail.reason, at=now
    )


async def _violation(
    tx: Tx,
    envelope: Envelope[Any],
    now: datetime,
    *,
    kind: str,
    message: str,
    pipeline_id: str | None,
    run_id: str | None,
) -> None:
    violation_id = f"{kind}:{envelope.id}"
    if await store.add_violation(
        tx.conn,
        violation_id=violation_id,
        kind=kind,
        event_id=envelope.id,
        pipeline_id=pipeline_id,
        run_id=run_id,
        message=message,
        at=now,
    ):
        payload = {
            "violation": kind,
            "event_id": envelope.id,
            "pipeline_id": pipeline_id,
            "run_id": run_id,
            "message": message,
        }
        await ledger.append(
            tx.conn,
            kind="violation",
            ref=violation_id,
            detail_type=envelope.detail_type,
            payload=payload,
            now=now,
        )


async def on_batch_landed(envelope: Envelope[BatchLanded], tx: Tx, now: datetime) -> None:
    detail = envelope.detail
    if detail.declared_fqid is not None:
        return
    message = (
        f"pipeline {detail.pipeline_id} landed a batch without declaring its schema FQID (governance rule)"
    )
    await _violation(
        tx,
        envelope,
        now,
        kind="undeclared_schema_fqid",
        message=message,
        pipeline_id=detail.pipeline_id,
        run_id=detail.run_id,
    )
    failed = PipelineFailed(
        pipeline_id=detail.pipeline_id,
        run_id=detail.run_id,
        layer=detail.layer,
        code=PipeCode.VALIDATION_FAILED,
        message=message,
        component=SERVICE,
        object_uri=detail.object_uri,
        violations=(
            RuleViolation(
                pointer="/detail/declared_fqid",
                rule="required",
                message="every job must declare its schema FQID",
            ),
        ),
        failed_event_id=envelope.id,
    )
    tx.emit(failed, "undeclared-fqid")
