"""Read routes: proposals with the gate's reason, governance's drift cases, violations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from schemaline.governance import store
from schemaline.governance.api.deps import EngineDep
from schemaline.governance.api.models import CaseOut, CaseStatus, ProposalOut, ProposalStatus, ViolationOut
from schemaline.governance.tables import proposals
from schemaline.runtime.http.auth import Reader
from schemaline.runtime.http.errors import NotFoundError, error_responses

router = APIRouter(prefix="/governance", tags=["governance"])


@router.get("/proposals", response_model=list[ProposalOut])
async def list_proposals(
    engine: EngineDep, _: Reader, status: ProposalStatus | None = None
) -> list[ProposalOut]:
    """Proposals governance has seen, oldest first, with the gate's reason for each."""
    return [ProposalOut.of(row) for row in await store.list_proposals(engine, status)]


@router.get("/proposals/{proposal_id}", response_model=ProposalOut, responses=error_responses(404))
async def get_proposal(
    engine: EngineDep, proposal_id: Annotated[str, Path(max_length=128)], _: Reader
) -> ProposalOut:
    """One proposal: held (and why), approved or rejected."""
    async with engine.connect() as conn:
        row = (await conn.execute(proposals.select().where(proposals.c.proposal_id == proposal_id))).first()
    if row is None:
        raise NotFoundError(f"no proposal {proposal_id!r} is known to governance")
    return ProposalOut.of(dict(row._mapping))


@router.get("/cases", response_model=list[CaseOut])
async def list_cases(engine: EngineDep, _: Reader, status: CaseStatus | None = None) -> list[CaseOut]:
    """Governance's view of drift cases (what holds proposals), oldest first."""
    return [CaseOut.model_validate(row) for row in await store.list_cases(engine, status)]


@router.get("/violations", response_model=list[ViolationOut])
async def list_violations(engine: EngineDep, _: Reader) -> list[ViolationOut]:
    """Governance violations recorded in the ledger, oldest first."""
    return [ViolationOut.model_validate(row) for row in await store.list_violations(engine)]
