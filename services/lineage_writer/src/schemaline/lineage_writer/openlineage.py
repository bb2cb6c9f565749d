"""Lineage rows as OpenLineage RunEvents (spec 2-0-2): START, COMPLETE and FAIL with facets.

BatchLanded → START; SchemaValidated and SchemaDriftDetected → COMPLETE (drift shows as failed
assertions: the stage quarantined and went on); PipelineFailed → FAIL with an errorMessage facet.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from schemaline.lineage_writer.rows import LineageRow

SPEC = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
SCHEMA_FACET = "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"
ASSERTIONS_FACET = (
    "https://openlineage.io/spec/facets/1-0-1/DataQualityAssertionsDatasetFacet.json"
    "#/$defs/DataQualityAssertionsDatasetFacet"
)
STATISTICS_FACET = (
    "https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json"
    "#/$defs/OutputStatisticsOutputDatasetFacet"
)
ERROR_FACET = "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet"
SCHEMALINE_FACET = (
    "https://schemaline.dev/spec/facets/1-0-0/SchemalineRunFacet.json#/$defs/SchemalineRunFacet"
)
_RUN_NAMESPACE = uuid.UUID("0b7f5c1e-9f1a-4d0e-8a57-3b5f2d6c9e10")
_EVENT_TYPES = {
    "BatchLanded": "START",
    "SchemaValidated": "COMPLETE",
    "SchemaDriftDetected": "COMPLETE",
    "PipelineFailed": "FAIL",
}


def openlineage_run_id(run_id: str) -> str:
    """OpenLineage wants a UUID; ours are job-run ids, so derive a stable UUID from them."""
    return str(uuid.uuid5(_RUN_NAMESPACE, run_id))


def dataset_name(uri: str) -> tuple[str, str]:
    """OpenLineage naming: s3://bucket/key → namespace s3://bucket, name key."""
    parts = urlsplit(uri)
    if parts.scheme and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}", parts.path.lstrip("/") or "/"
    return "file", uri


class SchemaFields:
    """Fields for the schema facet, read from `{fqid}.json` JSON Schemas in a folder, when known."""

    def __init__(self, folder: Path | None) -> None:
        self._folder = folder
        self._cache: dict[str, list[dict[str, str]]] = {}

    def fields(self, fqid: str | None) -> list[dict[str, str]]:
        if fqid is None or self._folder is None:
            return []
        if fqid not in self._cache:
            path = self._folder / f"{fqid}.json"
            found: list[dict[str, str]] = []
            if path.is_file():
                schema = json.loads(path.read_text(encoding="utf-8"))
                for name, spec in sorted(schema.get("properties", {}).items()):
                    kind = spec.get("type", "") if isinstance(spec, dict) else ""
                    entry = {"name": name, "type": kind if isinstance(kind, str) else "|".join(kind)}
                    if isinstance(spec, dict) and isinstance(spec.get("description"), str):
                        entry["description"] = spec["description"]
                    found.append(entry)
            self._cache[fqid] = found
        return self._cache[fqid]


def _assertions(row: LineageRow, detail: dict[str, Any]) -> list[dict[str, Any]]:
    if row.detail_type == "SchemaValidated":
        checks = [{"assertion": "conforms_to_schema", "success": True}]
        checks.append({"assertion": "quarantined_within_policy", "success": True})
        checks += [
            {"assertion": "no_undescribed_field", "success": False, "column": f["pointer"].lstrip("/")}
            for f in detail.get("drift_signals", [])
        ]
        return checks
    if row.detail_type == "SchemaDriftDetected":
        return [{"assertion": "conforms_to_schema", "success": False}] + [
            {"assertion": f"no_{f['kind']}", "success": False, "column": f["pointer"].lstrip("/")}
            for f in detail.get("fields", [])
        ]
    if row.detail_type == "PipelineFailed":
        checks = [{"assertion": "conforms_to_schema", "success": False}]
        checks += [
            {"assertion": v["rule"], "success": False, "column": v["pointer"].lstrip("/")}
            for v in detail.get("violations", [])
        ]
        return checks
    return []


class RunEventBuilder:
    def __init__(self, *, namespace: str, producer: str, schema_fields: SchemaFields | None = None) -> None:
        self.namespace = namespace
        self.producer = producer
        self._fields = schema_fields or SchemaFields(None)

    def _facet(self, schema_url: str, **fields: Any) -> dict[str, Any]:
        return {"_producer": self.producer, "_schemaURL": schema_url, **fields}

    def _dataset(self, uri: str, **facets: Any) -> dict[str, Any]:
        namespace, name = dataset_name(uri)
        return {"namespace": namespace, "name": name, **facets}

    def event(self, row: LineageRow, inputs: Sequence[str] = ()) -> dict[str, Any] | None:
        event_type = _EVENT_TYPES.get(row.detail_type)
        if event_type is None or row.run_id is None or row.pipeline_id is None:
            return None
        detail = row.detail_json()
        run_facets: dict[str, Any] = {
            "schemaline": self._facet(
                SCHEMALINE_FACET,
                runId=row.run_id,
                eventId=row.event_id,
                status=row.status,
                validationResult=row.validation_result,
                rerunOf=row.rerun_of,
                originalOpenLineageRunId=None if row.rerun_of is None else openlineage_run_id(row.rerun_of),
                driftCaseId=row.drift_case_id,
            )
        }
        if event_type == "FAIL":
            run_facets["errorMessage"] = self._facet(
                ERROR_FACET,
                message=f"{row.error_code}: {detail.get('message', '')}",
                programmingLanguage="python",
            )
        outputs = []
        if row.s3_output_path:
            facets: dict[str, Any] = {
                "schema": self._facet(SCHEMA_FACET, fields=self._fields.fields(row.schema_fqid)),
            }
            assertions = _assertions(row, detail)
            if assertions:
                facets["dataQualityAssertions"] = self._facet(ASSERTIONS_FACET, assertions=assertions)
            output: dict[str, Any] = self._dataset(row.s3_output_path, facets=facets)
            if row.valid_count is not None:
                output["outputFacets"] = {
                    "outputStatistics": self._facet(STATISTICS_FACET, rowCount=row.valid_count)
                }
            outputs.append(output)
        return {
            "eventType": event_type,
            "eventTime": row.occurred_at.isoformat(),
            "producer": self.producer,
            "schemaURL": f"{SPEC}#/$defs/RunEvent",
            "run": {"runId": openlineage_run_id(row.run_id), "facets": run_facets},
            "job": {"namespace": self.namespace, "name": row.pipeline_id},
            "inputs": [self._dataset(uri) for uri in inputs],
            "outputs": outputs,
        }

    def events(self, rows: Iterable[LineageRow], inputs_by_run: dict[str, list[str]]) -> list[dict[str, Any]]:
        built = (self.event(row, inputs_by_run.get(row.run_id or "", [])) for row in rows)
        return [event for event in built if event is not None]


def to_json_lines(events: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(event, separators=(",", ":"), sort_keys=True) + "\n" for event in events)
