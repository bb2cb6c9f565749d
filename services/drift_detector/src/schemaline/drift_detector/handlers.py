"""The drift detector's handlers: plain async functions of a typed event and their dependencies.

Each runs in the runtime's transaction (`Tx`) with the processed-event mark; what it emits is staged
in the outbox with ids derived from the event it handles, so a redelivery has no second effect.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog

from schemaline.contracts import (
    BatchLanded,
    DriftedField,
    DriftKind,
    DriftResolved,
    Envelope,
    FieldDriftKind,
    Fqid,
    PipelineId,
    RunId,
    SchemaDriftDetected,
    SchemaPublished,
    SchemaValidated,
    Selector,
)
from schemaline.drift_detector.cases import CaseState, CaseStore, DriftCase
from schemaline.drift_detector.coverage import covers
from schemaline.drift_detector.ports import SchemaSource
from schemaline.drift_detector.rerun import write_rerun_batch
from schemaline.runtime.handling import Tx, TxHandlers
from schemaline.runtime.objectstore import ObjectStore
from schemaline.sdk.execution import RunClock
from schemaline.sdk.metrics import PipelineMetrics

SERVICE = "drift_detector"
log = structlog.get_logger("schemaline.drift_detector")


@dataclass
class Deps:
    schemas: SchemaSource
    objects: ObjectStore
    metrics: PipelineMetrics
    rerun_prefix: str  # e.g. s3://warehouse/reruns
    cases: CaseStore = field(default_factory=CaseStore)


def rerun_id_for(run_id: str, fqid: Fqid) -> RunId:
    return RunId(f"{run_id}.rerun.{fqid.version}")


async def on_drift(envelope: Envelope[SchemaDriftDetected], deps: Deps, tx: Tx) -> None:
    event = envelope.detail
    if event.drift_case_id is not None:
        # The re-run of a case still drifts: keep the case open and say why.
        note = ", ".join(f"{f.kind.value} {f.pointer} ({f.records})" for f in event.fields)
        await deps.cases.mark_rerun(
            tx.conn,
            event.drift_case_id,
            str(event.rerun_of),
            rerun_id=event.run_id,
            state="failed",
            note=f"{event.drifted_count} record(s) still fail under {event.schema_fqid}: {note}",
            quarantine_uri=event.quarantine_uri,
        )
        await deps.cases.set_state(
            tx.conn, event.drift_case_id, CaseState.OPEN, note=f"re-run {event.run_id} still drifts"
        )
        log.warning("re-run still drifts", case_id=event.drift_case_id, run_id=event.run_id)
        return
    if event.kind is DriftKind.SHAPE and event.rerun_of is None:
        await _pin(tx, deps, event)
    case, opened = await deps.cases.record_detection(tx.conn, event, envelope.id)
    deps.metrics.drift_detected(subject=str(event.schema_fqid.subject), kind=event.kind.value)
    log.info(
        "drift case opened" if opened else "drift counted on open case",
        case_id=case.case_id,
        detections=case.detections,
    )


async def on_validated(envelope: Envelope[SchemaValidated], deps: Deps, tx: Tx) -> None:
    event = envelope.detail
    if event.drift_case_id is not None and event.rerun_of is not None:
        await _rerun_passed(tx, deps, event)
    elif event.rerun_of is None:
        await _pin(tx, deps, event)


async def _pin(tx: Tx, deps: Deps, event: SchemaValidated | SchemaDriftDetected) -> None:
    """A run's schema versions are immutable: a second version of a subject in one run is drift."""
    fqid = event.schema_fqid
    previous = await deps.cases.pin_run_version(tx.conn, event.run_id, fqid, tx.cause.id)
    if previous is None:
        return
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
    tx.emit(drift, "mid-run")


async def _rerun_passed(tx: Tx, deps: Deps, event: SchemaValidated) -> None:
    assert event.drift_case_id is not None
    assert event.rerun_of is not None
    await deps.cases.mark_rerun(
        tx.conn, event.drift_case_id, str(event.rerun_of), rerun_id=event.run_id, state="passed"
    )
    case = await deps.cases.get(tx.conn, event.drift_case_id)
    if case is None or case.state is CaseState.RESOLVED:
        return
    if any(run.rerun_state != "passed" for run in case.runs):
        return
    await deps.cases.set_state(
        tx.conn,
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
    tx.emit(resolved, "resolved")


async def on_published(envelope: Envelope[SchemaPublished], deps: Deps, tx: Tx) -> None:
    """A new version is live: re-run the quarantined records of every open case it covers."""
    event = envelope.detail
    cases = await deps.cases.active_for_subject(tx.conn, event.fqid.subject)
    if not cases:
        return
    schema = await deps.schemas.schema(event.fqid)
    for case in cases:
        if case.kind != DriftKind.SHAPE.value:
            continue
        if case.case_id not in event.covers_drift_cases and not covers(schema, case.fields):
            log.info("published version does not cover case", case_id=case.case_id)
            continue
        await _submit_reruns(tx, deps, event.fqid, case)


async def _submit_reruns(tx: Tx, deps: Deps, fqid: Fqid, case: DriftCase) -> None:
    for run in case.runs:
        if run.rerun_state == "passed" or run.quarantine_uri is None:
            continue
        rerun_id = rerun_id_for(run.run_id, fqid)
        uri = f"{deps.rerun_prefix.rstrip('/')}/{case.case_id}/{rerun_id}.jsonl"
        clock = RunClock("schemaline-drift-detector")
        records = await write_rerun_batch(deps.objects, run.quarantine_uri, uri)
        await deps.cases.mark_rerun(tx.conn, case.case_id, run.run_id, rerun_id=rerun_id, state="submitted")
        batch = BatchLanded(
            pipeline_id=PipelineId(run.pipeline_id),
            run_id=rerun_id,
            layer=fqid.subject.layer,
            declared_fqid=Selector.exact(fqid),
            object_uri=uri,
            record_count=records,
            rerun_of=run.run_id,
            drift_case_id=case.case_id,
            inputs=(run.quarantine_uri,),
            execution=clock.finish(records_in=records, records_out=records),
        )
        log.info("re-run submitted", case_id=case.case_id, rerun_id=rerun_id, records=records)
        # The re-run reads the run's quarantine: lineage links it there, and to its original by rerun_of.
        tx.emit(batch, rerun_id, resources=(uri, run.quarantine_uri))


HANDLERS = TxHandlers[Deps]()
HANDLERS.on(SchemaDriftDetected, on_drift)
HANDLERS.on(SchemaValidated, on_validated)
HANDLERS.on(SchemaPublished, on_published)
