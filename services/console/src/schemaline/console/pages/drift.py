"""Drift review: open cases, one case with its quarantined records, its patch as a diff, propose."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from schemaline.console.diff import folded, side_by_side
from schemaline.console.web import Action, Viewer, console, page_link, page_of, render, see_other

router = APIRouter(prefix="/drift")
STATES = ("active", "open", "acknowledged", "resolved", "all")
SAMPLE = 20


@router.get("")
async def cases(request: Request, operator: Viewer, state: str = "active") -> Response:
    state = state if state in STATES else "active"
    async with console(request).upstreams.drift(operator.token) as drift:
        every = await drift.cases(None if state in ("active", "all") else state)
    if state == "active":
        every = [case for case in every if case["state"] != "resolved"]
    every.sort(key=lambda case: case["updated_at"], reverse=True)
    page = page_of(request).of(len(every))
    return render(
        request,
        "drift_cases.html",
        operator,
        cases=every[page.offset : page.offset + page.size],
        state=state,
        states=STATES,
        page=page,
        page_link=lambda number: page_link(request, number),
        totals={
            "cases": len(every),
            "records": sum(case["drifted_records"] for case in every),
            "detections": sum(case["detections"] for case in every),
        },
    )


async def _covering(request: Request, token: str, case_id: str) -> list[dict[str, Any]]:
    """Governance's proposals that say they fix the case."""
    async with console(request).upstreams.governance(token) as governance:
        return [p for p in await governance.proposals() if case_id in p["covers"]]


@router.get("/{case_id}")
async def case(request: Request, case_id: str, operator: Viewer) -> Response:
    async with console(request).upstreams.drift(operator.token) as drift:
        found = await drift.case(case_id)
        sample = await drift.quarantine(case_id, SAMPLE)
    return render(
        request,
        "drift_case.html",
        operator,
        case=found,
        sample=sample,
        proposals=await _covering(request, operator.token, case_id),
    )


@router.get("/{case_id}/patch")
async def patch(request: Request, case_id: str, operator: Viewer) -> Response:
    """An active case: the patch the drift detector infers now. A resolved one: the version that closed it."""
    upstreams = console(request).upstreams
    proposal: dict[str, Any] | None = None
    async with upstreams.drift(operator.token) as drift:
        found = await drift.case(case_id)
        if found["state"] != "resolved":
            proposal = await drift.patch(case_id)
    before = proposal["base"] if proposal is not None else found["schema_fqid"]
    async with upstreams.schemas(operator.token) as schemas:
        base = await schemas.fetch(before)
        if proposal is not None:
            after: Any = proposal["schema"]
        else:
            closing = await schemas.fetch(found["resolved_by_fqid"]) if found["resolved_by_fqid"] else None
            after = closing.schema if closing is not None else {}
    return render(
        request,
        "drift_patch.html",
        operator,
        case=found,
        proposal=proposal,
        before=before,
        rows=folded(side_by_side(base.schema if base is not None else {}, after)),
        proposals=await _covering(request, operator.token, case_id),
    )


@router.post("/{case_id}/propose")
async def propose(request: Request, case_id: str, action: Action) -> Response:
    operator, _form = action
    async with console(request).upstreams.drift(operator.token) as drift:
        answer = await drift.propose(case_id)
    submitted = answer.get("submitted")
    if not submitted or not submitted.get("proposal"):
        # Nothing went out (the patch still rejects records) or the registry already has this version.
        return see_other(f"/drift/{quote(case_id, safe='')}/patch")
    return see_other(f"/approvals/{quote(str(submitted['proposal']['id']), safe='')}")
