"""What an event means to an operator: an incident, keyed so that repeats fold into one."""

from __future__ import annotations

from dataclasses import dataclass

from schemaline.contracts import CATALOG, PipeCode, PipelineFailed, SchemaDriftDetected


@dataclass(frozen=True, slots=True)
class Incident:
    key: str
    kind: str  # drift | failure
    severity: str  # warning | critical
    title: str
    body: str
    pipeline_id: str


def drift_incident(event: SchemaDriftDetected) -> Incident:
    """One per drift case: keyed on the case's signature (decision 10), as the drift detector does."""
    fields = ", ".join(field.pointer or "/" for field in event.fields) or "(none listed)"
    action = CATALOG[PipeCode.DRIFT_DETECTED].action
    body = (
        f"{event.drifted_count} of {event.record_count} records of run {event.run_id} "
        f"({event.pipeline_id}, {event.layer.value}) drifted from {event.schema_fqid} at {fields}.\n"
        f"Quarantine: {event.quarantine_uri or '-'}\n"
        f"PIPE-1204 {action}: `schemaline drift list`, then `schemaline drift propose CASE`."
    )
    return Incident(
        key=f"drift:{event.signature()}",
        kind="drift",
        severity="warning",
        title=f"Schema drift on {event.schema_fqid.subject}: {fields}",
        body=body,
        pipeline_id=event.pipeline_id,
    )


def failure_incident(event: PipelineFailed, event_id: str, escalate: frozenset[PipeCode]) -> Incident:
    """One per failed run (the event's id stands in when the failure has no run)."""
    entry = CATALOG[event.code]
    run = event.run_id or f"event {event_id}"
    critical = event.code in escalate
    body = (
        f"{event.component} failed run {run} of {event.pipeline_id}"
        f"{f' ({event.layer.value})' if event.layer else ''}: {event.message}\n"
        f"{event.code.value} {entry.condition}: {entry.action}."
    )
    return Incident(
        key=f"failure:{event.pipeline_id}:{event.run_id or event_id}",
        kind="failure",
        severity="critical" if critical else "warning",
        title=f"{event.code.value} {entry.condition} in {event.pipeline_id}",
        body=body,
        pipeline_id=event.pipeline_id,
    )
