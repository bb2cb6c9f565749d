"""Events to lineage rows: the seed's fields (pipeline, schema, run, output path, status, verdict)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from schemaline.contracts import (
    BatchLanded,
    DriftResolved,
    Envelope,
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


def _links(envelope: Envelope[Any], run_id: str | None, output: str | None) -> tuple[DatasetLink, ...]:
    inputs = dict.fromkeys(uri for uri in envelope.resources if uri != output)  # each URI once, in order
    links = [DatasetLink(envelope.id, "input", uri, run_id) for uri in inputs]
    if output:
        links.append(DatasetLink(envelope.id, "output", output, run_id))
    return tuple(links)


def to_rows(envelope: Envelope[Any]) -> EventRows:
    """The row an event writes; the trace keeps the whole detail too."""
    d = envelope.detail
    base: dict[str, Any] = {
        "event_id": envelope.id,
        "detail_type": envelope.detail_type,
        "occurred_at": envelope.time,
        "detail": d.model_dump_json(exclude_none=True),
        "causation_id": d.meta.causation_id,
    }
    if isinstance(d, BatchLanded):
        row = LineageRow(
            **base,
            pipeline_id=d.pipeline_id,
            run_id=d.run_id,
            layer=d.layer.value,
            schema_fqid=None if d.declared_fqid is None else str(d.declared_fqid),
            s3_output_path=d.object_uri,
            status="running",
            validation_result="pending",
            record_count=d.record_count,
            rerun_of=d.rerun_of,
            drift_case_id=d.drift_case_id,
        )
        return EventRows(row, _links(envelope, d.run_id, d.object_uri))
    if isinstance(d, SchemaValidated):
        row = LineageRow(
            **base,
            pipeline_id=d.pipeline_id,
            run_id=d.run_id,
            layer=d.layer.value,
            schema_fqid=str(d.schema_fqid),
            s3_output_path=d.object_uri,
            status="success",
            validation_result="pass",
            record_count=d.record_count,
            valid_count=d.valid_count,
            rejected_count=d.quarantined_count,
            quarantine_uri=d.quarantine_uri,
            rerun_of=d.rerun_of,
            drift_case_id=d.drift_case_id,
        )
        return EventRows(row, _links(envelope, d.run_id, d.object_uri))
    if isinstance(d, SchemaDriftDetected):
        row = LineageRow(
            **base,
            pipeline_id=d.pipeline_id,
            run_id=d.run_id,
            layer=d.layer.value,
            schema_fqid=str(d.schema_fqid),
            s3_output_path=d.object_uri,
            status="drift",
            validation_result="drift",
            record_count=d.record_count,
            valid_count=d.record_count - d.drifted_count - d.invalid_count,
            rejected_count=d.drifted_count + d.invalid_count,
            quarantine_uri=d.quarantine_uri,
            rerun_of=d.rerun_of,
            drift_case_id=d.drift_case_id,
        )
        return EventRows(row, _links(envelope, d.run_id, d.object_uri))
    if isinstance(d, PipelineFailed):
        row = LineageRow(
            **base,
            pipeline_id=d.pipeline_id,
            run_id=d.run_id,
            layer=None if d.layer is None else d.layer.value,
            schema_fqid=d.schema_ref,
            s3_output_path=d.object_uri,
            status="failed",
            validation_result=_FAILURE_RESULTS.get(d.code, "error"),
            error_code=d.code.value,
        )
        return EventRows(row, _links(envelope, d.run_id, d.object_uri))
    if isinstance(d, DriftResolved):
        # Filed under the original run: its trace shows how the drift closed and which run re-ran it.
        row = LineageRow(
            **base,
            pipeline_id=d.pipeline_id,
            run_id=d.original_run_id,
            schema_fqid=str(d.fqid),
            status="drift_resolved",
            record_count=d.records_rerun,
            drift_case_id=d.case_id,
        )
        return EventRows(row)
    if isinstance(d, SchemaPublished):
        return EventRows(LineageRow(**base, schema_fqid=str(d.fqid), status="published"))
    raise TypeError(f"the lineage writer does not record {envelope.detail_type}")
