"""What each event does to governance's state, inside the transaction that ledgers it.

Every effect returns the events governance must emit in answer; they go to the outbox.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from schemaline.contracts import (
    BatchLanded,
    DriftResolved,
    Envelope,
    EventDetail,
    PipeCode,
    PipelineFailed,
    ProposalId,
    RuleViolation,
    SchemaApproved,
    SchemaDriftDetected,
    SchemaProposed,
    SchemaRejected,
    new_envelope,
)
from schemaline.contracts.fqid import Fqid, Subject
from schemaline.governance import ledger, store
from schemaline.governance.gate import ProposalView, evaluate, may_approve
from schemaline.governance.outbox import derived_id, with_id
from schemaline.governance.settings import SERVICE

Effect = Callable[[AsyncConnection, Envelope[Any], datetime], Awaitable[list[Envelope[Any]]]]
AUTO_APPROVER = "governance"


def _approval(proposal: ProposalView, reason: str, cause: Envelope[Any]) -> Envelope[Any]:
    detail = SchemaApproved(
        proposal_id=ProposalId(proposal.proposal_id),
        subject=Subject.parse(proposal.subject),
        proposed_fqid=Fqid.parse(proposal.proposed_fqid),
        approved_by=AUTO_APPROVER,
        reason=reason,
    )
    envelope = new_envelope(detail, source=SERVICE, cause=cause)
    return with_id(envelope, derived_id(proposal.proposal_id, "approved"))


async def on_drift_detected(
    conn: AsyncConnection, envelope: Envelope[Any], now: datetime
) -> list[Envelope[Any]]:
    detail: SchemaDriftDetected = envelope.detail
    await store.open_case(
        conn,
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
    return []


async def on_drift_resolved(
    conn: AsyncConnection, envelope: Envelope[Any], now: datetime
) -> list[Envelope[Any]]:
    detail: DriftResolved = envelope.detail
    subject = str(detail.subject)
    await store.resolve_cases(
        conn,
        case_id=detail.case_id,
        subject=subject,
        pipeline_id=detail.pipeline_id,
        run_id=detail.original_run_id,
        covering_fqid=str(detail.fqid),
        event_id=envelope.id,
        at=now,
    )
    # Proposals held only by drift pass now that the subject's cases are closed.
    remaining = await store.open_cases(conn, subject)
    answers = []
    for proposal in await store.pending_proposals(conn, subject):
        verdict = evaluate(proposal, remaining)
        if verdict.approve:
            await store.decide(
                conn, proposal.proposal_id, status="approved", by=AUTO_APPROVER, reason=verdict.reason, at=now
            )
            answers.append(_approval(proposal, verdict.reason, envelope))
        else:
            await store.hold(conn, proposal.proposal_id, verdict)
    return answers


async def on_proposed(conn: AsyncConnection, envelope: Envelope[Any], now: datetime) -> list[Envelope[Any]]:
    detail: SchemaProposed = envelope.detail
    proposal = ProposalView(
        proposal_id=detail.proposal_id,
        subject=str(detail.subject),
        proposed_fqid=str(detail.proposed_fqid),
        compatible=detail.compatible,
        level=detail.level,
        policy=detail.policy,
        covers=tuple(detail.covers_drift_cases),
    )
    verdict = evaluate(proposal, await store.open_cases(conn, proposal.subject))
    if not await store.add_proposal(conn, envelope.id, detail, verdict, now) or not verdict.approve:
        return []
    return [_approval(proposal, verdict.reason, envelope)]


async def on_approved(conn: AsyncConnection, envelope: Envelope[Any], now: datetime) -> list[Envelope[Any]]:
    detail: SchemaApproved = envelope.detail
    proposal = await store.get_proposal(conn, detail.proposal_id)
    if proposal is None or proposal.status != "pending":
        return []  # our own automatic approval coming back, or a decision already recorded
    allowed, why = may_approve(proposal, await store.open_cases(conn, proposal.subject))
    if not allowed:
        # Someone emitted an approval the gate forbids: keep it visible in the ledger.
        await _violation(
            conn, envelope, now, kind="approval_while_blocked", message=why, pipeline_id=None, run_id=None
        )
    await store.decide(
        conn, proposal.proposal_id, status="approved", by=detail.approved_by, reason=detail.reason, at=now
    )
    return []


async def on_rejected(conn: AsyncConnection, envelope: Envelope[Any], now: datetime) -> list[Envelope[Any]]:
    detail: SchemaRejected = envelope.detail
    await store.decide(
        conn, detail.proposal_id, status="rejected", by=detail.rejected_by, reason=detail.reason, at=now
    )
    return []


async def _violation(
    conn: AsyncConnection,
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
        conn,
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
            conn,
            kind="violation",
            ref=violation_id,
            detail_type=envelope.detail_type,
            payload=payload,
            now=now,
        )


async def on_batch_landed(
    conn: AsyncConnection, envelope: Envelope[Any], now: datetime
) -> list[Envelope[Any]]:
    detail: BatchLanded = envelope.detail
    if detail.declared_fqid is not None:
        return []
    message = (
        f"pipeline {detail.pipeline_id} landed a batch without declaring its schema FQID (governance rule)"
    )
    await _violation(
        conn,
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
    return [
        with_id(
            new_envelope(failed, source=SERVICE, cause=envelope), derived_id(envelope.id, "undeclared-fqid")
        )
    ]


EFFECTS: Mapping[type[EventDetail], Effect] = {
    SchemaDriftDetected: on_drift_detected,
    DriftResolved: on_drift_resolved,
    SchemaProposed: on_proposed,
    SchemaApproved: on_approved,
    SchemaRejected: on_rejected,
    BatchLanded: on_batch_landed,
}
