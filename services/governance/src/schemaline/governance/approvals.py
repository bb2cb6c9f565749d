"""An approver's decision on a pending proposal: check the gate, emit the event.

Who may decide is the API's business (a token with the approver role); `approver` is that token's name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.contracts import Envelope, ProposalId, SchemaApproved, SchemaRejected, new_envelope
from schemaline.contracts.fqid import Fqid, Subject
from schemaline.governance import store
from schemaline.governance.gate import ProposalView, may_approve
from schemaline.runtime.outbox import OutboxRelay, stage


class ApprovalError(Exception):
    """The decision is not allowed now; `unknown` when governance knows no such proposal."""

    def __init__(self, message: str, *, unknown: bool = False) -> None:
        super().__init__(message)
        self.unknown = unknown


async def decide(
    engine: AsyncEngine,
    relay: OutboxRelay,
    proposal_id: str,
    *,
    approve: bool,
    approver: str,
    reason: str,
) -> Envelope[Any]:
    """Emit SchemaApproved/SchemaRejected for a pending proposal, if the gate allows it.

    The decision is staged in governance's outbox in the transaction that checked the gate, and
    published by the relay after the commit: like every event governance emits.
    """
    if not reason.strip():
        raise ApprovalError("a reason is required")
    async with engine.begin() as conn:
        proposal = await store.get_proposal(conn, proposal_id)
        if proposal is None:
            raise ApprovalError(f"no proposal {proposal_id!r} is known to governance", unknown=True)
        if proposal.status != "pending":
            raise ApprovalError(f"proposal {proposal_id} is {proposal.status}, not pending")
        if approve:
            allowed, why = may_approve(proposal, await store.open_cases(conn, proposal.subject))
            if not allowed:
                raise ApprovalError(why)
        envelope = _decision(proposal, approve=approve, approver=approver, reason=reason)
        await stage(conn, [envelope])
    relay.notify()
    return envelope


def _decision(proposal: ProposalView, *, approve: bool, approver: str, reason: str) -> Envelope[Any]:
    common: dict[str, Any] = {
        "proposal_id": ProposalId(proposal.proposal_id),
        "subject": Subject.parse(proposal.subject),
        "proposed_fqid": Fqid.parse(proposal.proposed_fqid),
        "reason": reason,
    }
    detail = (
        SchemaApproved(approved_by=approver, **common)
        if approve
        else SchemaRejected(rejected_by=approver, **common)
    )
    return new_envelope(detail, source="governance")
