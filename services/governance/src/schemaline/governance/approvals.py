"""An approver's decision on a pending proposal: prove the role, check the gate, emit the event."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.contracts import Envelope, ProposalId, SchemaApproved, SchemaRejected, new_envelope
from schemaline.contracts.fqid import Fqid, Subject
from schemaline.governance import store
from schemaline.governance.gate import ProposalView, may_approve
from schemaline.runtime.outbox import OutboxRelay, stage


class ApprovalError(Exception):
    """The decision is not allowed; `forbidden` when the caller did not prove the approver role."""

    def __init__(self, message: str, *, forbidden: bool = False, unknown: bool = False) -> None:
        super().__init__(message)
        self.forbidden = forbidden
        self.unknown = unknown


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_approver(approvers: Mapping[str, str], name: str, token: str) -> None:
    """The approver role: `name` is configured and `token` hashes to its configured sha256."""
    expected = approvers.get(name)
    if expected is None or not token:
        raise ApprovalError(f"{name!r} is not a configured approver", forbidden=True)
    if not hmac.compare_digest(expected.lower(), token_hash(token)):
        raise ApprovalError(f"the token does not prove approver {name!r}", forbidden=True)


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
