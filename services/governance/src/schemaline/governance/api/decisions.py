"""An approver's approve / reject: the decider is the token's principal, the gate still applies."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path

from schemaline.governance.api.deps import EngineDep, RelayDep
from schemaline.governance.api.models import DecisionIn, DecisionOut
from schemaline.governance.approvals import ApprovalError, decide
from schemaline.runtime.http.auth import Governor
from schemaline.runtime.http.errors import ConflictError, NotFoundError, error_responses

router = APIRouter(prefix="/governance", tags=["governance"])

ProposalIdParam = Annotated[str, Path(max_length=128)]
_RESPONSES = error_responses(404, 409)


async def _decide(
    engine: EngineDep, relay: RelayDep, proposal_id: str, *, approve: bool, by: str, reason: str
) -> DecisionOut:
    try:
        envelope = await decide(engine, relay, proposal_id, approve=approve, approver=by, reason=reason)
    except ApprovalError as exc:
        raise (NotFoundError if exc.unknown else ConflictError)(str(exc)) from None
    kind: Literal["SchemaApproved", "SchemaRejected"] = "SchemaApproved" if approve else "SchemaRejected"
    return DecisionOut(proposal_id=proposal_id, detail_type=kind, event_id=envelope.id, decided_by=by)


@router.post("/proposals/{proposal_id}/approve", response_model=DecisionOut, responses=_RESPONSES)
async def approve(
    engine: EngineDep,
    relay: RelayDep,
    proposal_id: ProposalIdParam,
    body: DecisionIn,
    principal: Governor,
) -> DecisionOut:
    """Approve a pending proposal (409 while the gate holds it for drift it does not cover)."""
    return await _decide(engine, relay, proposal_id, approve=True, by=principal.name, reason=body.reason)


@router.post("/proposals/{proposal_id}/reject", response_model=DecisionOut, responses=_RESPONSES)
async def reject(
    engine: EngineDep,
    relay: RelayDep,
    proposal_id: ProposalIdParam,
    body: DecisionIn,
    principal: Governor,
) -> DecisionOut:
    """Reject a pending proposal."""
    return await _decide(engine, relay, proposal_id, approve=False, by=principal.name, reason=body.reason)
