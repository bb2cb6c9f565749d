"""Incidents and their deliveries, written in the handler's transaction (restart-safe dedupe)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from schemaline.alerts.incidents import Incident
from schemaline.alerts.tables import deliveries, incidents
from schemaline.contracts import derived_id


@dataclass(frozen=True, slots=True)
class Notice:
    """One message about an incident, as a channel sends it."""

    delivery_id: str
    channel: str
    notice: str  # alert | reminder
    incident_key: str
    severity: str
    title: str
    body: str
    occurrences: int
    attempts: int = 0


async def record(
    conn: AsyncConnection, incident: Incident, now: datetime, *, case_id: str | None = None
) -> bool:
    """Open the incident, or count a repeat on it; True when operators must hear of it (new or reopened)."""
    row = (
        await conn.execute(
            select(incidents.c.state, incidents.c.notices).where(incidents.c.incident_key == incident.key)
        )
    ).first()
    if row is None:
        await conn.execute(
            incidents.insert().values(
                incident_key=incident.key,
                kind=incident.kind,
                severity=incident.severity,
                state="open",
                title=incident.title,
                body=incident.body,
                pipeline_id=incident.pipeline_id,
                case_id=case_id,
                occurrences=1,
                notices=0,
                opened_at=now,
                last_seen_at=now,
                notified_at=now,
            )
        )
        return True
    reopened = bool(row.state != "open")
    values: dict[str, object] = {"occurrences": incidents.c.occurrences + 1, "last_seen_at": now}
    if reopened:
        values |= {"state": "open", "body": incident.body, "notified_at": now, "case_id": case_id}
    await conn.execute(update(incidents).where(incidents.c.incident_key == incident.key).values(**values))
    return reopened


async def stage_notice(
    conn: AsyncConnection,
    key: str,
    notice: str,
    channels: Iterable[str],
    now: datetime,
    *,
    quiet_before: datetime | None = None,
) -> bool:
    """A delivery per channel for the incident's next notice; ids derive from (incident, notice number).

    With `quiet_before` (a reminder) only if its last notice is still older: two replicas that both
    found it quiet stage one reminder between them.
    """
    condition = incidents.c.incident_key == key
    if quiet_before is not None:
        condition = and_(condition, incidents.c.notified_at <= quiet_before)
    number = (
        await conn.execute(
            update(incidents)
            .where(condition)
            .values(notices=incidents.c.notices + 1, notified_at=now)
            .returning(incidents.c.notices)
        )
    ).scalar_one_or_none()
    if number is None:
        return False
    for channel in channels:
        await conn.execute(
            deliveries.insert().values(
                delivery_id=derived_id(key, f"{number}:{channel}"),
                incident_key=key,
                channel=channel,
                notice=notice,
                attempts=0,
                next_attempt_at=now,
            )
        )
    return True


async def resolve(conn: AsyncConnection, *conditions: object) -> list[str]:
    """Close the open incidents matching `conditions`; their keys."""
    closed = await conn.execute(
        update(incidents)
        .where(and_(incidents.c.state == "open", *conditions))  # type: ignore[arg-type]
        .values(state="resolved")
        .returning(incidents.c.incident_key)
    )
    return list(closed.scalars())


async def quiet_since(conn: AsyncConnection, before: datetime) -> list[str]:
    """Open incidents whose last notice is older than `before`: they are due a reminder."""
    rows = await conn.execute(
        select(incidents.c.incident_key).where(incidents.c.state == "open", incidents.c.notified_at <= before)
    )
    return list(rows.scalars())


async def due(conn: AsyncConnection, now: datetime, limit: int) -> list[Notice]:
    rows = await conn.execute(
        select(deliveries, incidents)
        .join(incidents, incidents.c.incident_key == deliveries.c.incident_key)
        .where(deliveries.c.delivered_at.is_(None), deliveries.c.next_attempt_at <= now)
        .order_by(deliveries.c.next_attempt_at)
        .limit(limit)
    )
    return [
        Notice(
            delivery_id=row.delivery_id,
            channel=row.channel,
            notice=row.notice,
            incident_key=row.incident_key,
            severity=row.severity,
            title=row.title,
            body=row.body,
            occurrences=row.occurrences,
            attempts=row.attempts,
        )
        for row in rows
    ]


async def claim(conn: AsyncConnection, notice: Notice, now: datetime, until: datetime) -> bool:
    """Take a due delivery for one attempt (until `until`); False when another round took it first."""
    taken = await conn.execute(
        update(deliveries)
        .where(
            deliveries.c.delivery_id == notice.delivery_id,
            deliveries.c.delivered_at.is_(None),
            deliveries.c.next_attempt_at <= now,
        )
        .values(next_attempt_at=until)
    )
    return taken.rowcount == 1


async def mark_delivered(conn: AsyncConnection, delivery_id: str, now: datetime) -> None:
    await conn.execute(
        update(deliveries)
        .where(deliveries.c.delivery_id == delivery_id)
        .values(delivered_at=now, attempts=deliveries.c.attempts + 1, last_error=None)
    )


async def mark_failed(conn: AsyncConnection, delivery_id: str, error: str, retry_at: datetime) -> int:
    """Count the failed attempt and schedule the next; the attempts so far."""
    attempts = await conn.execute(
        update(deliveries)
        .where(deliveries.c.delivery_id == delivery_id)
        .values(attempts=deliveries.c.attempts + 1, last_error=error[:2000], next_attempt_at=retry_at)
        .returning(deliveries.c.attempts)
    )
    return int(attempts.scalar_one())
