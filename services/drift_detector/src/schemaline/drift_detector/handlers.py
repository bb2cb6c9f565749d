"""The drift detector's handlers: plain async functions of a typed event and their dependencies.

Each runs in one transaction with the processed-event mark, and publishes with ids derived from
the event it handles, so a redelivery has no second effect anywhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from opentelemetry.metrics import Counter
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from schemaline.contracts import (
    BatchLanded,
    DriftedField,
    DriftKind,
    DriftResolved,
    Envelope,
    EventDetail,
    FieldDriftKind,
    Fqid,
    PipelineId,
    RunId,
    SchemaDriftDetected,
    SchemaPublished,
    SchemaValidated,
    Selector,
    derived_id,
    new_envelope,
)
from schemaline.drift_detector.cases import CaseState, CaseStore, DriftCase
from schemaline.drift_detector.coverage import covers
from schemaline.drift_detector.ports import SchemaSource
from schemaline.drift_detector.rerun import write_rerun_batch
from schemaline.runtime.bus import Publisher
from schemaline.runtime.idempotency import record_processed
from schemaline.runtime.objectstore import ObjectStore

SERVICE = "drift_detector"
SOURCE = "schemaline.drift_detector"
log = structlog.get_logger("schemaline.drift_detector")


@dataclass
class Deps:
    engine: AsyncEngine
    publisher: Publisher
    schemas: SchemaSource
    objects: ObjectStore
    drift_events: Counter
    rerun_prefix: str  # e.g. s3://warehouse/reruns
    cases: CaseStore = field(default_factory=CaseStore)


def rerun_id_for(run_id: str, fqid: Fqid) -> RunId:
    return RunId(f"{run_id}.rerun.{fqid.version}")


async def on_drift(envelope: Envelope[SchemaDriftDetected], deps: Deps) -> None:
    event = envelope.detail
    published: list[Envelope[Any]] = []
    async with deps.engine.begin() as conn:
        if not await record_processed(conn, SERVICE, envelope.id):
            return
        if event.drift_case_id is not None:
            # The re-run of a case still drifts: keep the case open and say why.
            note = ", ".join(f"{f.kind.value} {f.pointer} ({f.records})" for f in event.fields)
            await deps.cases.mark_rerun(
                conn,
                event.drift_case_id,
                str(event.rerun_of),
                rerun_id=event.run_id,
                state="failed",
                note=f"{event.drifted_count} record(s) still fail under {event.schema_fqid}: {note}",
                quarantine_uri=event.quarantine_uri,
            )
            await deps.cases.set_state(
                conn, event.drift_case_id, CaseState.OPEN, note=f"re-run {event.run_id} still drifts"
            )
            log.warning("re-run still drifts", case_id=event.drift_case_id, run_id=event.run_id)
            return
        if event.kind is DriftKind.SHAPE and event.rerun_of is None:
            published += await _pin(conn, deps, envelope, event.run_id, event.schema_fqid, event)
        case, opened = await deps.cases.record_detection(conn, event, envelope.id)
        deps.drift_events.add(1, {"subject": str(event.schema_fqid.subject), "kind": event.kind.value})
        log.info(
            "drift case opened" if opened else "drift counted on open case",
            case_id=case.case_id,
            detections=case.detections,
        )
        await deps.publisher.publish_many(published)


async def on_validated(envelope: Envelope[SchemaValidated], deps: Deps) -> None:
    event = envelope.detail
    published: list[Envelope[Any]] = []
    async with deps.engine.begin() as conn:
        if not await record_processed(conn, SERVICE, envelope.id):
            return
        if event.drift_case_id is not None and event.rerun_of is not None:
            published += await _rerun_passed(conn, deps, envelope)
        elif event.rerun_of is None:
            published += await _pin(conn, deps, envelope, event.run_id, event.schema_fqid, event)
        await deps.publisher.publish_many(published)


async def _pin(
    conn: AsyncConnection,
    deps: Deps,
    envelope: Envelope[Any],
    run_id: str,
    fqid: Fqid,
    event: SchemaValidated | SchemaDriftDetected,
) -> list[Envelope[Any]]:
    """A run's schema versions are immutable: a second version of a subject in one run is drift."""
    previous = await deps.cases.pin_run_version(conn, run_id, fqid, envelope.id)
    if previous is None:
        return []
    log.warning("schema version changed mid-run", previous=str(previous), current=str(fqid))
    drift = SchemaDriftDetected(
        pipeline_id=event.pipeline_id,
        run_id=event.run_id,
        layer=event.layer,
        schema_fqid=fqid,
        kind=DriftKind.MID_RUN_VERSION_CHANGE,
        fields=(
            DriftedField(
                pointer="",
                kind=FieldDriftKind.VERSION_CHANGED,
                observed_types=(str(fqid),),
                expected_types=(str(previous),),
                records=event.record_count,
            ),
        ),
        object_uri=event.object_uri,
        record_count=event.record_count,
        drifted_count=0,
        quarantine_uri=None,
        previous_fqid=previous,
    )
    return [new_envelope(drift, source=SOURCE, cause=envelope, event_id=derived_id(envelope.id, "mid-run"))]


async def _rerun_passed(
    conn: AsyncConnection, deps: Deps, envelope: Envelope[SchemaValidated]
) -> list[Envelope[Any]]:
    event = envelope.detail
    assert event.drift_case_id is not None
    assert event.rerun_of is not None
    await deps.cases.mark_rerun(
        conn, event.drift_case_id, str(event.rerun_of), rerun_id=event.run_id, state="passed"
    )
    case = await deps.cases.get(conn, event.drift_case_id)
    if case is None or case.state is CaseState.RESOLVED:
        return []
    if any(run.rerun_state != "passed" for run in case.runs):
        return []
    await deps.cases.set_state(
        conn,
        case.case_id,
        CaseState.RESOLVED,
        note=f"re-run {event.run_id} passed under {event.schema_fqid}",
        resolved_by=event.schema_fqid,
    )
    log.info("drift case resolved", case_id=case.case_id, fqid=str(event.schema_fqid))
    resolved = DriftResolved(
        case_id=case.case_id,
        subject=case.subject,
        fqid=event.schema_fqid,
        pipeline_id=event.pipeline_id,
        original_run_id=event.rerun_of,
        rerun_id=event.run_id,
        records_rerun=sum(run.drifted_records for run in case.runs),
    )
    return [
        new_envelope(resolved, source=SOURCE, cause=envelope, event_id=derived_id(envelope.id, "resolved"))
    ]


async def on_published(envelope: Envelope[SchemaPublished], deps: Deps) -> None:
    """A new version is live: re-run the quarantined records of every open case it covers."""
    event = envelope.detail
    published: list[Envelope[Any]] = []
    async with deps.engine.begin() as conn:
        if not await record_processed(conn, SERVICE, envelope.id):
            return
        cases = await deps.cases.active_for_subject(conn, event.fqid.subject)
        if not cases:
            return
        schema = await deps.schemas.schema(event.fqid)
        for case in cases:
            if case.kind != DriftKind.SHAPE.value:
                continue
            if case.case_id not in event.covers_drift_cases and not covers(schema, case.fields):
                log.info("published version does not cover case", case_id=case.case_id)
                continue
            published += await _submit_reruns(conn, deps, envelope, case)
        await deps.publisher.publish_many(published)


async def _submit_reruns(
    conn: AsyncConnection, deps: Deps, envelope: Envelope[SchemaPublished], case: DriftCase
) -> list[Envelope[Any]]:
    fqid = envelope.detail.fqid
    landed: list[Envelope[Any]] = []
    for run in case.runs:
        if run.rerun_state == "passed" or run.quarantine_uri is None:
            continue
        rerun_id = rerun_id_for(run.run_id, fqid)
        uri = f"{deps.rerun_prefix.rstrip('/')}/{case.case_id}/{rerun_id}.jsonl"
        records = await write_rerun_batch(deps.objects, run.quarantine_uri, uri)
        await deps.cases.mark_rerun(conn, case.case_id, run.run_id, rerun_id=rerun_id, state="submitted")
        batch = BatchLanded(
            pipeline_id=PipelineId(run.pipeline_id),
            run_id=rerun_id,
            layer=fqid.subject.layer,
            declared_fqid=Selector.exact(fqid),
            object_uri=uri,
            record_count=records,
            rerun_of=run.run_id,
            drift_case_id=case.case_id,
        )
        log.info("re-run submitted", case_id=case.case_id, rerun_id=rerun_id, records=records)
        landed.append(
            new_envelope(batch, source=SOURCE, cause=envelope, event_id=derived_id(envelope.id, rerun_id))
        )
    return landed


def handlers(deps: Deps) -> Mapping[type[EventDetail], Callable[[Envelope[Any]], Awaitable[None]]]:
    """The handler table, bound to this service's dependencies."""

    async def drift(envelope: Envelope[Any]) -> None:
        await on_drift(envelope, deps)

    async def validated(envelope: Envelope[Any]) -> None:
        await on_validated(envelope, deps)

    async def published(envelope: Envelope[Any]) -> None:
        await on_published(envelope, deps)

    return {SchemaDriftDetected: drift, SchemaValidated: validated, SchemaPublished: published}
