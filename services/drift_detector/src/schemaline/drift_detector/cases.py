"""Drift cases: one per subject and drift signature, with the runs whose records it holds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from schemaline.contracts import (
    CaseId,
    DriftedField,
    Fqid,
    RunId,
    SchemaDriftDetected,
    Subject,
)
from schemaline.drift_detector.tables import case_runs, drift_cases, run_versions


class CaseState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


ACTIVE_STATES = (CaseState.OPEN.value, CaseState.ACKNOWLEDGED.value)


@dataclass(frozen=True, slots=True)
class CaseRun:
    run_id: RunId
    pipeline_id: str
    layer: str
    schema_fqid: str
    object_uri: str
    quarantine_uri: str | None
    drifted_records: int
    rerun_id: str | None
    rerun_state: str | None
    rerun_note: str | None


@dataclass(frozen=True, slots=True)
class DriftCase:
    case_id: CaseId
    subject: Subject
    kind: str
    state: CaseState
    fields: tuple[DriftedField, ...]
    schema_fqid: Fqid
    detections: int
    drifted_records: int
    opened_at: datetime
    updated_at: datetime
    resolved_by_fqid: str | None
    note: str | None
    runs: tuple[CaseRun, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "subject": str(self.subject),
            "kind": self.kind,
            "state": self.state.value,
            "fields": [field.model_dump(mode="json") for field in self.fields],
            "schema_fqid": str(self.schema_fqid),
            "detections": self.detections,
            "drifted_records": self.drifted_records,
            "opened_at": self.opened_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "resolved_by_fqid": self.resolved_by_fqid,
            "note": self.note,
            "runs": [_run_json(run) for run in self.runs],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DriftCase:
        """The case from `to_json`'s shape (what the operator API answers)."""
        return cls(
            case_id=CaseId(data["case_id"]),
            subject=Subject.parse(data["subject"]),
            kind=data["kind"],
            state=CaseState(data["state"]),
            fields=tuple(DriftedField.model_validate(field) for field in data["fields"]),
            schema_fqid=Fqid.parse(data["schema_fqid"]),
            detections=data["detections"],
            drifted_records=data["drifted_records"],
            opened_at=datetime.fromisoformat(data["opened_at"]),
            updated_at=datetime.fromisoformat(data["updated_at"]),
            resolved_by_fqid=data["resolved_by_fqid"],
            note=data["note"],
            runs=tuple(CaseRun(**run) for run in data.get("runs", ())),
        )


def _run_json(run: CaseRun) -> dict[str, Any]:
    return {name: getattr(run, name) for name in CaseRun.__slots__}


def _now() -> datetime:
    return datetime.now(UTC)


def _case(row: Any, runs: tuple[CaseRun, ...] = ()) -> DriftCase:
    return DriftCase(
        case_id=CaseId(row.case_id),
        subject=Subject.parse(row.subject),
        kind=row.kind,
        state=CaseState(row.state),
        fields=tuple(DriftedField.model_validate(item) for item in json.loads(row.fields)),
        schema_fqid=Fqid.parse(row.schema_fqid),
        detections=row.detections,
        drifted_records=row.drifted_records,
        opened_at=row.opened_at,
        updated_at=row.updated_at,
        resolved_by_fqid=row.resolved_by_fqid,
        note=row.note,
        runs=runs,
    )


class CaseStore:
    """Operations on drift cases, each inside the caller's transaction (`conn`)."""

    async def record_detection(
        self, conn: AsyncConnection, event: SchemaDriftDetected, event_id: str
    ) -> tuple[DriftCase, bool]:
        """Open a case for this drift, or count it on the active one. Returns (case, opened)."""
        subject = str(event.schema_fqid.subject)
        signature = event.signature()
        now = _now()
        row = (
            await conn.execute(
                select(drift_cases).where(
                    drift_cases.c.subject == subject,
                    drift_cases.c.signature == signature,
                    drift_cases.c.state.in_(ACTIVE_STATES),
                )
            )
        ).first()
        opened = row is None
        if row is None:
            # A case is named after the detection that opened it, as governance names it too.
            case_id = event_id
            await conn.execute(
                drift_cases.insert().values(
                    case_id=case_id,
                    subject=subject,
                    kind=event.kind.value,
                    signature=signature,
                    state=CaseState.OPEN.value,
                    fields=json.dumps([field.model_dump(mode="json") for field in event.fields]),
                    schema_fqid=str(event.schema_fqid),
                    detections=1,
                    drifted_records=event.drifted_count,
                    opened_at=now,
                    updated_at=now,
                )
            )
        else:
            case_id = row.case_id
            await conn.execute(
                update(drift_cases)
                .where(drift_cases.c.case_id == case_id)
                .values(
                    detections=drift_cases.c.detections + 1,
                    drifted_records=drift_cases.c.drifted_records + event.drifted_count,
                    updated_at=now,
                )
            )
        await conn.execute(
            case_runs.insert().values(
                case_id=case_id,
                run_id=event.run_id,
                event_id=event_id,
                pipeline_id=event.pipeline_id,
                layer=event.layer.value,
                schema_fqid=str(event.schema_fqid),
                object_uri=event.object_uri,
                quarantine_uri=event.quarantine_uri,
                drifted_records=event.drifted_count,
            )
        )
        case = await self.get(conn, CaseId(case_id))
        assert case is not None
        return case, opened

    async def get(self, conn: AsyncConnection, case_id: CaseId) -> DriftCase | None:
        row = (await conn.execute(select(drift_cases).where(drift_cases.c.case_id == case_id))).first()
        if row is None:
            return None
        run_rows = (
            await conn.execute(
                select(case_runs).where(case_runs.c.case_id == case_id).order_by(case_runs.c.run_id)
            )
        ).all()
        runs = tuple(
            CaseRun(
                run_id=RunId(r.run_id),
                pipeline_id=r.pipeline_id,
                layer=r.layer,
                schema_fqid=r.schema_fqid,
                object_uri=r.object_uri,
                quarantine_uri=r.quarantine_uri,
                drifted_records=r.drifted_records,
                rerun_id=r.rerun_id,
                rerun_state=r.rerun_state,
                rerun_note=r.rerun_note,
            )
            for r in run_rows
        )
        return _case(row, runs)

    async def all_cases(self, conn: AsyncConnection, *, state: str | None = None) -> list[DriftCase]:
        query = select(drift_cases).order_by(drift_cases.c.opened_at)
        if state is not None:
            query = query.where(drift_cases.c.state == state)
        return [_case(row) for row in (await conn.execute(query)).all()]

    async def active_for_subject(self, conn: AsyncConnection, subject: Subject) -> list[DriftCase]:
        rows = (
            await conn.execute(
                select(drift_cases.c.case_id).where(
                    drift_cases.c.subject == str(subject), drift_cases.c.state.in_(ACTIVE_STATES)
                )
            )
        ).all()
        cases = [await self.get(conn, CaseId(row.case_id)) for row in rows]
        return [case for case in cases if case is not None]

    async def set_state(
        self,
        conn: AsyncConnection,
        case_id: CaseId,
        state: CaseState,
        *,
        note: str | None = None,
        resolved_by: Fqid | None = None,
    ) -> None:
        values: dict[str, Any] = {"state": state.value, "updated_at": _now()}
        if note is not None:
            values["note"] = note
        if resolved_by is not None:
            values["resolved_by_fqid"] = str(resolved_by)
        await conn.execute(update(drift_cases).where(drift_cases.c.case_id == case_id).values(**values))

    async def mark_rerun(
        self,
        conn: AsyncConnection,
        case_id: CaseId,
        run_id: str,
        *,
        rerun_id: str,
        state: str,
        note: str | None = None,
        quarantine_uri: str | None = None,
    ) -> None:
        values: dict[str, Any] = {"rerun_id": rerun_id, "rerun_state": state, "rerun_note": note}
        if quarantine_uri is not None:
            values["quarantine_uri"] = quarantine_uri
        await conn.execute(
            update(case_runs)
            .where(case_runs.c.case_id == case_id, case_runs.c.run_id == run_id)
            .values(**values)
        )

    async def pin_run_version(
        self, conn: AsyncConnection, run_id: str, fqid: Fqid, event_id: str
    ) -> Fqid | None:
        """Remember the version a run used for a subject; return the earlier one if it differs."""
        subject = str(fqid.subject)
        row = (
            await conn.execute(
                select(run_versions.c.schema_fqid).where(
                    run_versions.c.run_id == run_id, run_versions.c.subject == subject
                )
            )
        ).first()
        if row is None:
            await conn.execute(
                run_versions.insert().values(
                    run_id=run_id, subject=subject, schema_fqid=str(fqid), event_id=event_id
                )
            )
            return None
        previous = Fqid.parse(row.schema_fqid)
        return previous if previous != fqid else None

    async def count(self, conn: AsyncConnection) -> int:
        return int((await conn.execute(select(func.count()).select_from(drift_cases))).scalar_one())
