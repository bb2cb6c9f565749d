"""A landed batch in, exactly one verdict out; every rejected record in quarantine."""

import json
from typing import Any

from schemaline.contracts import (
    FieldDriftKind,
    PipeCode,
    PipelineFailed,
    QuarantineLine,
    SchemaDriftDetected,
    SchemaValidated,
)
from tests.support.invoices import invoice, jsonl

from .conftest import V11, V12, Stack

URI = "s3://warehouse/gdp/invoice/2025/10/07/part-0.jsonl"


async def quarantined(stack: Stack, uri: str | None) -> list[QuarantineLine]:
    assert uri is not None
    data = await stack.objects.get_bytes(uri)
    return [QuarantineLine.model_validate_json(line) for line in data.splitlines()]


async def test_a_clean_batch_is_validated(stack: Stack) -> None:
    verdict = await stack.land(URI, jsonl(invoice(n) for n in range(50)))
    event = verdict.detail
    assert isinstance(event, SchemaValidated)
    assert (event.record_count, event.valid_count, event.quarantined_count) == (50, 50, 0)
    assert event.schema_fqid == V11
    assert event.quarantine_uri is None
    assert event.meta.correlation_id == "jr-1"
    assert verdict.source == "schemaline.validator"


async def test_an_unexpected_field_is_drift_and_goes_to_quarantine(stack: Stack) -> None:
    records = [invoice(n) for n in range(20)]
    for record in records[:3]:
        record["invoice_region_code"] = "EU-W"
    verdict = await stack.land(URI, jsonl(records))
    event = verdict.detail
    assert isinstance(event, SchemaDriftDetected)
    assert (event.record_count, event.drifted_count, event.invalid_count) == (20, 3, 0)
    [field] = [f for f in event.fields if f.pointer == "/invoice_region_code"]
    assert field.kind is FieldDriftKind.UNEXPECTED
    assert field.records == 3
    assert event.quarantine_uri is not None
    assert event.quarantine_uri.startswith(
        "s3://warehouse/quarantine/finance_gdp_transform/finance.gdp.invoice/jr-1/"
    )
    lines = await quarantined(stack, event.quarantine_uri)
    assert [line.position for line in lines] == [0, 1, 2]
    assert lines[0].record == records[0]
    assert lines[0].fqid == V11
    assert lines[0].run_id == "jr-1"
    assert lines[0].reasons[0].rule == "additionalProperties"


async def test_broken_json_lines_are_kept_raw_in_quarantine(stack: Stack) -> None:
    data = jsonl([invoice(1), invoice(2)]) + b'{"invoice_id": "inv-3", \n' + jsonl([invoice(4)])
    verdict = await stack.land(URI, data)
    event = verdict.detail
    # One invalid record in four is above the contract's max_invalid_ratio (10%): the batch fails.
    assert isinstance(event, PipelineFailed)
    assert event.code is PipeCode.VALIDATION_FAILED
    assert event.violations[0].rule == "json"
    quarantine_uri = event.message.rsplit(" are in ", 1)[1]
    [line] = await quarantined(stack, quarantine_uri)
    assert line.raw == '{"invoice_id": "inv-3", '
    assert line.record_class == "invalid"


async def test_an_empty_batch_passes_with_zero_records(stack: Stack) -> None:
    verdict = await stack.land(URI, b"")
    assert isinstance(verdict.detail, SchemaValidated)
    assert verdict.detail.record_count == 0


async def test_a_missing_object_is_a_pipe_failure_not_a_crash(stack: Stack) -> None:
    verdict = await stack.land("s3://warehouse/gdp/invoice/nope.jsonl", None)
    event = verdict.detail
    assert isinstance(event, PipelineFailed)
    assert event.code is PipeCode.VALIDATION_FAILED
    assert "does not exist" in event.message
    # The consumer is still alive.
    again = await stack.land(URI, jsonl([invoice(1)]), run="jr-2")
    assert isinstance(again.detail, SchemaValidated)


async def test_value_errors_within_the_policy_pass_and_are_quarantined(stack: Stack) -> None:
    records: list[dict[str, Any]] = [invoice(n) for n in range(20)]
    records[5]["amount"] = -1
    verdict = await stack.land(URI, jsonl(records))
    event = verdict.detail
    assert isinstance(event, SchemaValidated)
    assert (event.valid_count, event.quarantined_count) == (19, 1)
    [line] = await quarantined(stack, event.quarantine_uri)
    assert (line.position, line.record_class, line.reasons[0].pointer) == (5, "invalid", "/amount")


async def test_a_run_keeps_the_version_it_resolved_first(stack: Stack) -> None:
    first = await stack.land(URI, jsonl([invoice(1)]), run="jr-9", declared_fqid="finance.gdp.invoice:^1")
    assert first.detail.schema_fqid == V12
    stack.catalog.add(V12.__class__.parse("finance.gdp.invoice:v1.3"), stack.catalog.schemas[V12])
    second = await stack.land(URI, jsonl([invoice(2)]), run="jr-9", declared_fqid="finance.gdp.invoice:^1")
    assert second.detail.schema_fqid == V12
    other_run = await stack.land(
        URI, jsonl([invoice(3)]), run="jr-10", declared_fqid="finance.gdp.invoice:^1"
    )
    assert str(other_run.detail.schema_fqid) == "finance.gdp.invoice:v1.3"


async def test_an_incompatible_writer_blocks_the_run_before_reading(stack: Stack) -> None:
    writer = V12.__class__.parse("finance.gdp.invoice:v2.0")
    schema = json.loads(json.dumps(stack.catalog.schemas[V11]))
    schema["properties"]["amount"] = {"type": "string"}
    stack.catalog.add(writer, schema)
    verdict = await stack.land(
        "s3://warehouse/gdp/invoice/not-even-there.jsonl", None, writer_fqid=str(writer)
    )
    event = verdict.detail
    assert isinstance(event, PipelineFailed)
    assert event.code is PipeCode.INCOMPATIBLE_SCHEMA
    assert "cannot read data written under finance.gdp.invoice:v2.0" in event.message
    assert event.changes
    assert all(not change.compatible for change in event.changes)
