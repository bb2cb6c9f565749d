"""Governance's repository: proposals, its view of drift cases, violations (all in its own tables)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from schemaline.contracts import SchemaProposed
from schemaline.governance.gate import GateVerdict, OpenCase, ProposalView
from schemaline.governance.ledger import ensure_head
from schemaline.governance.tables import drift_cases, metadata, proposals, violations
from schemaline.runtime.migrate import create_all


async def create_schema(engine: AsyncEngine) -> None:
    """Governance's migration: its tables, the runtime's, and the ledger's genesis head row."""
    await create_all(metadata)(engine)
    async with engine.begin() as conn:
        await ensure_head(conn)


def _insert(conn: AsyncConnection, table: Any) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def _view(row: Any) -> ProposalView:
    return ProposalView(
        proposal_id=row.proposal_id,
        subject=row.subject,
        proposed_fqid=row.proposed_fqid,
        compatible=bool(row.compatible),
        level=row.level,
        policy=row.policy,
        covers=tuple(json.loads(row.covers)),
        status=row.status,
    )


async def open_cases(conn: AsyncConnection, subject: str) -> list[OpenCase]:
    query = select(drift_cases).where(drift_cases.c.subject == subject, drift_cases.c.status == "open")
    return [
        OpenCase(row.case_id, row.subject, row.pipeline_id, row.run_id)
        for row in (await conn.execute(query.order_by(drift_cases.c.case_id))).all()
    ]


async def open_case(
    conn: AsyncConnection,
    *,
    case_id: str,
    subject: str,
    signature: str,
    pipeline_id: str,
    run_id: str,
    event_id: str,
    at: datetime,
) -> None:
    """Open a case, unless one is already open for the same drift (the same signature)."""
    same = select(drift_cases.c.case_id).where(
        drift_cases.c.signature == signature, drift_cases.c.status == "open"
    )
    if (await conn.execute(same)).first() is not None:
        return
    statement = _insert(conn, drift_cases).values(
        case_id=case_id,
        subject=subject,
        signature=signature,
        pipeline_id=pipeline_id,
        run_id=run_id,
        opened_event_id=event_id,
        opened_at=at,
        status="open",
    )
    await conn.execute(statement.on_conflict_do_nothing())


async def resolve_cases(
    conn: AsyncConnection,
    *,
    case_id: str,
    subject: str,
    pipeline_id: str,
    run_id: str,
    covering_fqid: str,
    event_id: str,
    at: datetime,
) -> list[str]:
    """Close the case by id; when governance knows it under no such id, by (subject, pipeline, run)."""
    values = {
        "status": "resolved",
        "resolved_event_id": event_id,
        "resolved_at": at,
        "covering_fqid": covering_fqid,
    }
    is_open = drift_cases.c.status == "open"
    by_id = (
        await conn.execute(select(drift_cases.c.case_id).where(drift_cases.c.case_id == case_id, is_open))
    ).all()
    if by_id:
        where = [drift_cases.c.case_id == case_id, is_open]
    else:
        where = [
            drift_cases.c.subject == subject,
            drift_cases.c.pipeline_id == pipeline_id,
            drift_cases.c.run_id == run_id,
            is_open,
        ]
    closed = [row.case_id for row in (await conn.execute(select(drift_cases.c.case_id).where(*where))).all()]
    if closed:
        await conn.execute(update(drift_cases).where(drift_cases.c.case_id.in_(closed)).values(**values))
    return closed


async def add_proposal(
    conn: AsyncConnection, event_id: str, detail: SchemaProposed, verdict: GateVerdict, at: datetime
) -> bool:
    statement = _insert(conn, proposals).values(
        proposal_id=detail.proposal_id,
        subject=str(detail.subject),
        proposed_fqid=str(detail.proposed_fqid),
        base_fqid=None if detail.base_fqid is None else str(detail.base_fqid),
        compatible=detail.compatible,
        level=detail.level,
        policy=detail.policy,
        covers=json.dumps(list(detail.covers_drift_cases)),
        proposed_by=detail.proposed_by,
        status="approved" if verdict.approve else "pending",
        reason=verdict.reason,
        blocked_by=json.dumps(list(verdict.blocked_by)),
        event_id=event_id,
        proposed_at=at,
        decided_at=at if verdict.approve else None,
        decided_by="governance" if verdict.approve else None,
    )
    result = await conn.execute(statement.on_conflict_do_nothing())
    return bool(result.rowcount)


async def get_proposal(conn: AsyncConnection, proposal_id: str) -> ProposalView | None:
    row = (await conn.execute(select(proposals).where(proposals.c.proposal_id == proposal_id))).first()
    return None if row is None else _view(row)


async def pending_proposals(conn: AsyncConnection, subject: str) -> list[ProposalView]:
    query = select(proposals).where(proposals.c.subject == subject, proposals.c.status == "pending")
    return [_view(row) for row in (await conn.execute(query.order_by(proposals.c.proposed_at))).all()]


async def decide(
    conn: AsyncConnection, proposal_id: str, *, status: str, by: str, reason: str, at: datetime
) -> bool:
    """Record a decision on a pending proposal; False when it was not pending."""
    result = await conn.execute(
        update(proposals)
        .where(proposals.c.proposal_id == proposal_id, proposals.c.status == "pending")
        .values(status=status, decided_by=by, reason=reason, decided_at=at, blocked_by="[]")
    )
    return bool(result.rowcount)


async def hold(conn: AsyncConnection, proposal_id: str, verdict: GateVerdict) -> None:
    await conn.execute(
        update(proposals)
        .where(proposals.c.proposal_id == proposal_id)
        .values(reason=verdict.reason, blocked_by=json.dumps(list(verdict.blocked_by)))
    )


async def add_violation(
    conn: AsyncConnection,
    *,
    violation_id: str,
    kind: str,
    event_id: str,
    pipeline_id: str | None,
    run_id: str | None,
    message: str,
    at: datetime,
) -> bool:
    statement = _insert(conn, violations).values(
        violation_id=violation_id,
        kind=kind,
        event_id=event_id,
        pipeline_id=pipeline_id,
        run_id=run_id,
        message=message,
        recorded_at=at,
    )
    return bool((await conn.execute(statement.on_conflict_do_nothing())).rowcount)


async def list_proposals(engine: AsyncEngine, status: str | None = None) -> list[dict[str, Any]]:
    query = select(proposals).order_by(proposals.c.proposed_at)
    if status is not None:
        query = query.where(proposals.c.status == status)
    async with engine.connect() as conn:
        return [dict(row._mapping) for row in (await conn.execute(query)).all()]


async def list_cases(engine: AsyncEngine, status: str | None = None) -> list[dict[str, Any]]:
    query = select(drift_cases).order_by(drift_cases.c.opened_at)
    if status is not None:
        query = query.where(drift_cases.c.status == status)
    async with engine.connect() as conn:
        return [dict(row._mapping) for row in (await conn.execute(query)).all()]


async def list_violations(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(violations).order_by(violations.c.recorded_at))).all()
    return [dict(row._mapping) for row in rows]


def blocked_by(row: dict[str, Any]) -> Sequence[str]:
    value: list[str] = json.loads(row["blocked_by"])
    return value
