"""A failed stage run wrote nothing: lineage records what it read as its inputs, never as its output,
and its OpenLineage FAIL event names them as inputs."""

from __future__ import annotations

from schemaline.contracts import Layer, PipeCode, PipelineFailed, PipelineId, RunId, new_envelope
from schemaline.lineage_writer.openlineage import RunEventBuilder, as_dict
from schemaline.lineage_writer.rows import to_rows

INPUT = "s3://warehouse/raw/invoice/2025/10/07/run=jr-raw/part-00000.jsonl"


def _failed(**fields: object) -> PipelineFailed:
    return PipelineFailed.model_validate(
        {
            "pipeline_id": PipelineId("finance_gdp_transform"),
            "run_id": RunId("jr-gdp"),
            "layer": Layer.GDP,
            "code": PipeCode.VALIDATION_FAILED,
            "message": "pre-job validation failed",
            "component": "glue:gdp",
        }
        | fields
    )


def test_a_glue_failure_links_its_input_as_an_input() -> None:
    rows = to_rows(new_envelope(_failed(inputs=(INPUT,)), source="pipeline", resources=(INPUT,)))
    assert rows.row.s3_output_path is None
    assert [(link.role, link.uri) for link in rows.links] == [("input", INPUT)]
    builder = RunEventBuilder(namespace="schemaline", producer="https://schemaline.dev/lw")
    event = builder.event(rows.row, [link.uri for link in rows.links if link.role == "input"])
    assert event is not None
    body = as_dict(event)
    assert body["eventType"] == "FAIL"
    assert [d["name"] for d in body["inputs"]] == ["raw/invoice/2025/10/07/run=jr-raw/part-00000.jsonl"]
    assert body["outputs"] == []


def test_an_older_failure_naming_its_input_as_object_uri_is_not_an_output() -> None:
    detail = _failed(object_uri=INPUT, inputs=(INPUT,))
    rows = to_rows(new_envelope(detail, source="pipeline", resources=(INPUT,)))
    assert rows.row.s3_output_path is None
    assert [(link.role, link.uri) for link in rows.links] == [("input", INPUT)]


def test_a_validator_failure_keeps_the_batch_as_the_runs_output() -> None:
    batch = "s3://warehouse/gdp/invoice/2025/10/07/run=jr-gdp/part-00000.jsonl"
    rows = to_rows(new_envelope(_failed(object_uri=batch, component="validator"), source="validator"))
    assert rows.row.s3_output_path == batch
