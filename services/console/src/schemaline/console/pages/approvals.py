"""Approvals: proposals with their gate status and compatibility report; approve or reject with a reason."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from schemaline.console.web import (
    Action,
    BadFormError,
    Viewer,
    console,
    page_link,
    page_of,
    render,
    see_other,
)
from schemaline.sdk.operators import ServiceError

router = APIRouter(prefix="/approvals")
STATUSES = ("pending", "approved", "rejected", "all")


@router.get("")
async def proposals(request: Request, operator: Viewer, status: str = "pending") -> Response:
    status = status if status in STATUSES else "pending"
    async with console(request).upstreams.governance(operator.token) as governance:
        every = await governance.proposals(None if status == "all" else status)
        ledger = await governance.verify()
    every.sort(key=lambda proposal: proposal["proposed_at"], reverse=True)
    page = page_of(request).of(len(every))
    return render(
        request,
        "approvals.html",
        operator,
        proposals=every[page.offset : page.offset + page.size],
        status=status,
        statuses=STATUSES,
        page=page,
        page_link=lambda number: page_link(request, number),
        ledger=ledger,
    )


@router.get("/{proposal_id}")
async def proposal(request: Request, proposal_id: str, operator: Viewer, decided: str = "") -> Response:
    upstreams = console(request).upstreams
    async with upstreams.registry(operator.token) as registry:
        report = await registry.proposal(proposal_id)
    async with upstreams.governance(operator.token) as governance:
        try:
            gate = await governance.proposal(proposal_id)
        except ServiceError as exc:
            if exc.status != 404:
                raise
            gate = _not_yet_gated(report)
    # Governance records a decision when its own event comes back: until then the page says it was sent.
    sent = decided if decided in ("approve", "reject") and gate["status"] == "pending" else ""
    return render(request, "approval.html", operator, gate=gate, report=report, sent=sent)


def _not_yet_gated(report: dict[str, Any]) -> dict[str, Any]:
    """A proposal the registry holds but whose SchemaProposed has not reached governance yet."""
    return {
        "proposal_id": report["id"],
        "subject": report["subject"],
        "proposed_fqid": report["proposed_fqid"],
        "base_fqid": report["base_fqid"],
        "compatible": all(change["compatible"] for change in report["changes"]),
        "level": report["level"],
        "policy": report["policy"],
        "covers": report["covers_drift_cases"],
        "status": "awaiting the gate",
        "reason": "governance has not received this proposal yet; the gate decides once it does",
        "blocked_by": [],
        "proposed_by": report["proposed_by"],
        "proposed_at": report["created_at"],
        "decided_by": None,
        "decided_at": None,
    }


@router.post("/{proposal_id}/decide")
async def decide(request: Request, proposal_id: str, action: Action) -> Response:
    operator, form = action
    decision = form.get("decision")
    if decision not in ("approve", "reject"):
        raise BadFormError("say approve or reject")
    async with console(request).upstreams.governance(operator.token) as governance:
        await governance.decide(proposal_id, approve=decision == "approve", reason=form.get("reason", ""))
    return see_other(f"/approvals/{quote(proposal_id, safe='')}?decided={decision}")
