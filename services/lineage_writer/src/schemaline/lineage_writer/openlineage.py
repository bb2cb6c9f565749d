"""Lineage rows as OpenLineage RunEvents (spec 2-0-2), built with openlineage-python's own classes.

BatchLanded → START; SchemaValidated and SchemaDriftDetected → COMPLETE (drift shows as failed
assertions: the stage quarantined and went on); PipelineFailed → FAIL with an errorMessage facet.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import attr
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    DatasetFacet,
    OutputDatasetFacet,
    RunFacet,
    data_quality_assertions_dataset,
    error_message_run,
    output_statistics_output_dataset,
    schema_dataset,
)
from openlineage.client.serde import Serde

from schemaline.lineage_writer.rows import LineageRow

SCHEMALINE_FACET = (
    "https://schemaline.dev/spec/facets/1-0-0/SchemalineRunFacet.json#/$defs/SchemalineRunFacet"
)
_RUN_NAMESPACE = uuid.UUID("0b7f5c1e-9f1a-4d0e-8a57-3b5f2d6c9e10")
_EVENT_TYPES = {
    "BatchLanded": RunState.START,
    "SchemaValidated": RunState.COMPLETE,
    "SchemaDriftDetected": RunState.COMPLETE,
    "PipelineFailed": RunState.FAIL,
}
Assertion = data_quality_assertions_dataset.Assertion


@attr.define
class SchemalineRunFacet(RunFacet):
    """Schemaline's own run facet: our run id, event id, verdict, and re-run links."""

    runId: str  # noqa: N815
    eventId: str  # noqa: N815
    status: str | None = None
    validationResult: str | None = None  # noqa: N815
    rerunOf: str | None = None  # noqa: N815
    originalOpenLineageRunId: str | None = None  # noqa: N815
    driftCaseId: str | None = None  # noqa: N815

    @staticmethod
    def _get_schema() -> str:
        return SCHEMALINE_FACET


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
        self._cache: dict[str, list[schema_dataset.SchemaDatasetFacetFields]] = {}

    def fields(self, fqid: str | None) -> list[schema_dataset.SchemaDatasetFacetFields]:
        if fqid is None or self._folder is None:
            return []
        if fqid not in self._cache:
            path = self._folder / f"{fqid}.json"
            found: list[schema_dataset.SchemaDatasetFacetFields] = []
            if path.is_file():
                schema = json.loads(path.read_text(encoding="utf-8"))
                for name, spec in sorted(schema.get("properties", {}).items()):
                    kind = spec.get("type", "") if isinstance(spec, dict) else ""
                    description = spec.get("description") if isinstance(spec, dict) else None
                    found.append(
                        schema_dataset.SchemaDatasetFacetFields(
                            name=name,
                            type=kind if isinstance(kind, str) else "|".join(kind),
                            description=description if isinstance(description, str) else None,
                        )
                    )
            self._cache[fqid] = found
        return self._cache[fqid]


def _assertions(row: LineageRow, detail: dict[str, Any]) -> list[Assertion]:
    if row.detail_type == "SchemaValidated":
        checks = [Assertion(assertion="conforms_to_schema", success=True)]
        checks.append(Assertion(assertion="quarantined_within_policy", success=True))
        checks += [
            Assertion(assertion="no_undescribed_field", success=False, column=f["pointer"].lstrip("/"))
            for f in detail.get("drift_signals", [])
        ]
        return checks
    if row.detail_type == "SchemaDriftDetected":
        return [Assertion(assertion="conforms_to_schema", success=False)] + [
            Assertion(assertion=f"no_{f['kind']}", success=False, column=f["pointer"].lstrip("/"))
            for f in detail.get("fields", [])
        ]
    if row.detail_type == "PipelineFailed":
        checks = [Assertion(assertion="conforms_to_schema", success=False)]
        checks += [
            Assertion(assertion=v["rule"], success=False, column=v["pointer"].lstrip("/"))
            for v in detail.get("violations", [])
        ]
        return checks
    return []


class RunEventBuilder:
    def __init__(self, *, namespace: str, producer: str, schema_fields: SchemaFields | None = None) -> None:
        self.namespace = namespace
        self.producer = producer
        self._fields = schema_fields or SchemaFields(None)

    def _output(self, row: LineageRow, uri: str, detail: dict[str, Any]) -> OutputDataset:
        namespace, name = dataset_name(uri)
        facets: dict[str, DatasetFacet] = {
            "schema": schema_dataset.SchemaDatasetFacet(
                fields=self._fields.fields(row.schema_fqid), producer=self.producer
            )
        }
        assertions = _assertions(row, detail)
        if assertions:
            # The spec files this facet under input datasets; here it describes the batch the stage
            # wrote (its validation verdict), so it sits in the output dataset's facets.
            facets["dataQualityAssertions"] = cast(
                DatasetFacet,
                data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
                    assertions=assertions, producer=self.producer
                ),
            )
        statistics: dict[str, OutputDatasetFacet] = {}
        if row.valid_count is not None:
            statistics["outputStatistics"] = (
                output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                    rowCount=row.valid_count, producer=self.producer
                )
            )
        return OutputDataset(namespace, name, facets=facets, outputFacets=statistics)

    def event(self, row: LineageRow, inputs: Sequence[str] = ()) -> RunEvent | None:
        event_type = _EVENT_TYPES.get(row.detail_type)
        if event_type is None or row.run_id is None or row.pipeline_id is None:
            return None
        detail = row.detail_json()
        run_facets: dict[str, RunFacet] = {
            "schemaline": SchemalineRunFacet(
                runId=row.run_id,
                eventId=row.event_id,
                status=row.status,
                validationResult=row.validation_result,
                rerunOf=row.rerun_of,
                originalOpenLineageRunId=None if row.rerun_of is None else openlineage_run_id(row.rerun_of),
                driftCaseId=row.drift_case_id,
                producer=self.producer,
            )
        }
        if event_type is RunState.FAIL:
            run_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
                message=f"{row.error_code}: {detail.get('message', '')}",
                programmingLanguage="python",
                producer=self.producer,
            )
        return RunEvent(
            eventType=event_type,
            eventTime=row.occurred_at.isoformat(),
            producer=self.producer,
            run=Run(runId=openlineage_run_id(row.run_id), facets=run_facets),
            job=Job(namespace=self.namespace, name=row.pipeline_id),
            inputs=[InputDataset(*dataset_name(uri)) for uri in inputs],
            outputs=[self._output(row, row.s3_output_path, detail)] if row.s3_output_path else [],
        )

    def events(self, rows: Iterable[LineageRow], inputs_by_run: dict[str, list[str]]) -> list[RunEvent]:
        built = (self.event(row, inputs_by_run.get(row.run_id or "", [])) for row in rows)
        return [event for event in built if event is not None]


def as_dict(event: RunEvent) -> dict[str, Any]:
    """The event as the spec's JSON object (openlineage-python's own serialisation; nulls left out)."""
    return Serde.to_dict(event)


def to_json_lines(events: Iterable[RunEvent]) -> str:
    return "".join(Serde.to_json(event, separators=(",", ":")) + "\n" for event in events)
