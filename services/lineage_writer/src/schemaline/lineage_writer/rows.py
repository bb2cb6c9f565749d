"""Events to lineage rows: the seed's fields (pipeline, schema, run, output path, status, verdict)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from schemaline.contracts import (
    BatchLanded,
    DriftResolved,
    Envelope,
    EventDetail,
    PipeCode,
    PipelineFailed,
    SchemaDriftDetected,
    SchemaPublished,
    SchemaValidated,
)


@dataclass(frozen=True, slots=True)
class DatasetLink:
    event_id: str
    role: str  # "input" | "output"
    uri: str
    run_id: str | None


@dataclass(frozen=True, slots=True)
class LineageRow:
    event_id: str
    detail_type: str
    occurred_at: datetime
    status: str
    detail: str
    recorded_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    pipeline_id: str | None = None
    run_id: str | None = None
    layer: str | None = None
    schema_fqid: str | None = None
    s3_output_path: str | None = None
    validation_result: str | None = None
    record_count: int | None = None
    valid_count: int | None = None
    rejected_count: int | None = None
    quarantine_uri: str | None = None
    rerun_of: str | None = None
    drift_case_id: str | None = None
    error_code: str | None = None
    causation_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def detail_json(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.detail)
        return value


@dataclass(frozen=True, slots=True)
class EventRows:
    """What one event writes: its row and its dataset links."""

    row: LineageRow
    links: tuple[DatasetLink, ...] = ()


_FAILURE_RESULTS: Mapping[PipeCode, str] = {
    PipeCode.VALIDATION_FAILED: "fail",
    PipeCode.INCOMPATIBLE_SCHEMA: "blocked",
    PipeCode.DRIFT_DETECTED: "drift",
}


def _links(envelope: Envelope[Any], run_id: str | None, *outputs: str | None) -> tuple[DatasetLink, ...]:
    """What the run wrote (`outputs`) and read: the event's `inputs`, and any other resource it names."""
    written = [uri for uri in outputs if uri]
    declared = getattr(envelope.detail, "inputs", ())
    read = (uri for uri in (*declared, *envelope.resources) if uri not in written)
    inputs = dict.fromkeys(read)  # each URI once, in order
    links = [DatasetLink(envelope.id, "input", uri, run_id) for uri in inputs]
    links += [DatasetLink(envelope.id, "output", uri, run_id) for uri in dict.fromkeys(written)]
    return tuple(links)


def _base(envelope: Envelope[Any]) -> dict[str, Any]:
    detail = envelope.detail
    return {
        "event_id": envelope.id,
        "detail_type": envelope.detail_type,
        "occurred_at": envelope.time,
        "detail": detail.model_dump_json(exclude_none=True),  # the trace keeps the whole detail
        "causation_id": detail.meta.causation_id,
    }


def _batch(envelope: Envelope[Any]) -> dict[str, Any]:
    """What every row about a batch says: its run, layer, object, count, and re-run links."""
    d: BatchLanded | SchemaValidated | SchemaDriftDetected = envelope.detail
    return _base(envelope) | {
        "pipeline_id": d.pipeline_id,
        "run_id": d.run_id,
        "layer": d.layer.value,
        "s3_output_path": d.object_uri,
        "record_count": d.record_count,
        "rerun_of": d.rerun_of,
        "drift_case_id": d.drift_case_id,
    }


def landed_rows(envelope: Envelope[BatchLanded]) -> EventRows:
    d = envelope.detail
    schema = None if d.declared_fqid is None else str(d.declared_fqid)
    row = LineageRow(**_batch(envelope), schema_fqid=schema, status="running", validation_result="pending")
    return EventRows(row, _links(envelope, d.run_id, d.object_uri))


def validated_rows(envelope: Envelope[SchemaValidated]) -> EventRows:
    d = envelope.detail
    row = LineageRow(
        **_batch(envelope),
        schema_fqid=str(d.schema_fqid),
        status="success",
        validation_result="pass",
        valid_count=d.valid_count,
        rejected_count=d.quarantined_count,
        quarantine_uri=d.quarantine_uri,
    )
    return EventRows(row, _links(envelope, d.run_id, d.object_uri))


def drift_rows(envelope: Envelope[SchemaDriftDetected]) -> EventRows:
    d = envelope.detail
    rejected = d.drifted_count + d.invalid_count
    row = LineageRow(
        **_batch(envelope),
        schema_fqid=str(d.schema_fqid),
        status="drift",
        validation_result="drift",
        valid_count=d.record_count - rejected,
        rejected_count=rejected,
        quarantine_uri=d.quarantine_uri,
    )
    # The quarantine object is written by the run too: a re-run reads it, so lineage can follow it back.
    return EventRows(row, _links(envelope, d.run_id, d.object_uri, d.quarantine_uri))


def failed_rows(envelope: Envelope[PipelineFailed]) -> EventRows:
    # A failed stage run wrote nothing: what it read is an input, never its output.
    d = envelope.detail
    output = None if d.object_uri in d.inputs else d.object_uri
    row = LineageRow(
        **_base(envelope),
        pipeline_id=d.pipeline_id,
        run_id=d.run_id,
        layer=None if d.layer is None else d.layer.value,
        schema_fqid=d.schema_ref,
        s3_output_path=output,
        status="failed",
        validation_result=_FAILURE_RESULTS.get(d.code, "error"),
        error_code=d.code.value,
    )
    return EventRows(row, _links(envelope, d.run_id, output))


def resolved_rows(envelope: Envelope[DriftResolved]) -> EventRows:
    # Filed under the original run: its trace shows how the drift closed and which run re-ran it.
    d = envelope.detail
    row = LineageRow(
        **_base(envelope),
        pipeline_id=d.pipeline_id,
        run_id=d.original_run_id,
        schema_fqid=str(d.fqid),
        status="drift_resolved",
        record_count=d.records_rerun,
        drift_case_id=d.case_id,
    )
    return EventRows(row)


def published_rows(envelope: Envelope[SchemaPublished]) -> EventRows:
    return EventRows(LineageRow(**_base(envelope), schema_fqid=str(envelope.detail.fqid), status="published"))


# What the lineage writer records, and how: the handler table is built from this one mapping.
ROWS: Mapping[type[EventDetail], Callable[[Envelope[Any]], EventRows]] = {
    BatchLanded: landed_rows,
    SchemaValidated: validated_rows,
    SchemaDriftDetected: drift_rows,
    PipelineFailed: failed_rows,
    DriftResolved: resolved_rows,
    SchemaPublished: published_rows,
}


def to_rows(envelope: Envelope[Any]) -> EventRows:
    """The rows an event writes (tools and tests; the service's handlers call their builder directly)."""
    build = ROWS.get(type(envelope.detail))
    if build is None:
        raise TypeError(f"the lineage writer does not record {envelope.detail_type}")
    return build(envelope)
