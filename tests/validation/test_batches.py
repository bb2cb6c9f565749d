"""Batches of JSON Lines: streaming, counts, rejected records, profile and drift signals."""

from __future__ import annotations

import dataclasses
import gc
import itertools
import random
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemaline.contracts import DriftedField, FieldDriftKind, OnDrift, StagePolicy
from schemaline.sdk.validation import (
    BatchResult,
    Outcome,
    RecordClass,
    RejectedRecord,
    SchemaError,
    ValidationEngine,
    ValidatorCache,
)
from tests.validation.invoices import INVOICE_SCHEMA, invoice, open_schema

LENIENT = StagePolicy(max_invalid_ratio=1.0)


def jsonl(records: list[Any]) -> bytes:
    return b"".join(orjson.dumps(record) + b"\n" for record in records)


def mixed_batch() -> tuple[bytes, dict[int, RecordClass]]:
    """Ten records, three rejected for known reasons, plus a blank line and a non-JSON line."""
    records: list[Any] = [invoice(i) for i in range(10)]
    records[2]["total"] = "oops"  # drift: type
    records[5]["due_days"] = -1  # invalid: minimum
    del records[7]["lines"][0]["sku"]  # drift: missing nested
    lines = [orjson.dumps(r) for r in records]
    lines.insert(4, b"")  # blank: not a record
    lines.insert(8, b"{not json")
    data = b"\n".join(lines) + b"\n"
    # Indexes count records; the non-JSON line is record 7.
    expected = {2: RecordClass.DRIFT, 5: RecordClass.INVALID, 7: RecordClass.INVALID, 8: RecordClass.DRIFT}
    return data, expected


def test_counts_and_rejected_records_of_a_mixed_batch() -> None:
    data, expected = mixed_batch()
    result = ValidationEngine().validate_lines(data, INVOICE_SCHEMA, LENIENT)
    assert result.counts.to_dict() == {"valid": 7, "drift": 2, "invalid": 2}
    assert {r.index: r.record_class for r in result.rejected} == expected
    not_json = next(r for r in result.rejected if r.raw is not None)
    assert (not_json.index, not_json.line, not_json.raw) == (7, 9, b"{not json")
    assert [(e.pointer, e.rule) for e in not_json.errors] == [("", "json")]
    assert not_json.record is None
    typed = next(r for r in result.rejected if r.index == 2)
    assert typed.record["total"] == "oops"
    assert typed.line == 3


@given(cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=30))
def test_results_do_not_depend_on_where_chunks_split_the_stream(cuts: list[int]) -> None:
    data, _ = mixed_batch()
    bounds = sorted({min(cut, len(data)) for cut in cuts} | {0, len(data)})
    chunks = [data[a:b] for a, b in itertools.pairwise(bounds)]
    engine = ValidationEngine()
    whole = engine.validate_lines(data, INVOICE_SCHEMA, LENIENT)
    split = engine.validate_lines(iter(chunks), INVOICE_SCHEMA, LENIENT)
    assert split.counts == whole.counts
    assert [r.to_dict() for r in split.rejected] == [r.to_dict() for r in whole.rejected]
    assert split.profile == whole.profile


def test_records_go_one_by_one_when_the_schema_cannot_be_wrapped_in_a_list() -> None:
    engine = ValidationEngine()
    one_by_one = dataclasses.replace(engine.compile(INVOICE_SCHEMA), batch=None)
    data, expected = mixed_batch()
    slow = engine.validate_lines(data, one_by_one, LENIENT)
    fast = engine.validate_lines(data, INVOICE_SCHEMA, LENIENT)
    assert {r.index: r.record_class for r in slow.rejected} == expected
    assert [r.to_dict() for r in slow.rejected] == [r.to_dict() for r in fast.rejected]
    assert slow.profile == fast.profile


def test_a_last_line_without_newline_and_crlf_endings_are_read() -> None:
    data = orjson.dumps(invoice(1)) + b"\r\n" + orjson.dumps(invoice(2))
    result = ValidationEngine().validate_lines(data, INVOICE_SCHEMA)
    assert result.counts.valid == 2


async def test_the_async_wrapper_reads_an_async_stream() -> None:
    data, expected = mixed_batch()

    async def stream() -> AsyncIterator[bytes]:
        for start in range(0, len(data), 100):
            yield data[start : start + 100]

    result = await ValidationEngine().avalidate_lines(stream(), INVOICE_SCHEMA, LENIENT)
    assert {r.index: r.record_class for r in result.rejected} == expected
    assert result.bytes_read == len(data)


def test_a_sink_takes_rejected_records_as_they_are_found() -> None:
    data, expected = mixed_batch()
    taken: list[RejectedRecord] = []
    result = ValidationEngine().validate_lines(data, INVOICE_SCHEMA, LENIENT, sink=taken.append)
    assert result.rejected == ()
    assert {r.index: r.record_class for r in taken} == expected


def test_records_given_as_objects_validate_like_lines() -> None:
    records = [invoice(i) for i in range(5)]
    records[1]["paid"] = "no"
    result = ValidationEngine().validate_records(records, INVOICE_SCHEMA, LENIENT)
    assert result.counts.to_dict() == {"valid": 4, "drift": 1, "invalid": 0}
    assert result.rejected[0].line is None


@pytest.mark.parametrize(("schema", "valid"), [(True, 3), (False, 0)])
def test_boolean_schemas_accept_or_reject_everything(schema: bool, valid: int) -> None:
    result = ValidationEngine().validate_lines(b'{"a": 1}\n[1]\n"s"\n', schema, LENIENT)
    assert (result.counts.valid, result.counts.rejected) == (valid, 3 - valid)


def test_the_profile_counts_top_level_fields_and_their_types() -> None:
    records = [invoice(i) for i in range(6)]
    records[0]["notes"] = None
    records[1]["notes"] = "n"
    records[2]["total"] = "12.50"
    del records[3]["notes"]
    result = ValidationEngine().validate_records(records, INVOICE_SCHEMA, LENIENT)
    fields = result.profile.fields
    assert fields["/total"].types == {"number": 5, "string": 1}
    notes = [r["notes"] for r in records if "notes" in r]
    nulls = sum(note is None for note in notes)
    assert fields["/notes"].records == 5
    assert fields["/notes"].types == {"null": nulls, "string": 5 - nulls}
    assert fields["/lines"].types == {"array": 6}
    assert all(stats.in_schema for stats in fields.values())
    assert result.profile.records == 6


def test_the_profile_reports_missing_required_and_type_changes_at_every_depth() -> None:
    records = [invoice(i) for i in range(4)]
    for record in records[:3]:
        for line in record["lines"]:
            line["quantity"] = str(line["quantity"])  # every item of three records
    del records[3]["channel"]
    result = ValidationEngine().validate_records(records, INVOICE_SCHEMA, LENIENT)
    changes = {(s.pointer, s.records, s.observed, s.expected) for s in result.profile.type_changes}
    assert changes == {("/lines/*/quantity", 3, ("string",), ("integer",))}
    assert [(s.pointer, s.records) for s in result.profile.missing_required] == [("/channel", 1)]
    assert (
        DriftedField(
            pointer="/lines/*/quantity",
            kind=FieldDriftKind.TYPE_CHANGED,
            observed_types=("string",),
            expected_types=("integer",),
            records=3,
        )
        in result.drift_signals
    )


def test_an_unexpected_field_in_a_closed_model_is_rejected_and_profiled() -> None:
    records = [invoice(i) | {"region": "EU"} for i in range(3)] + [invoice(9)]
    records[0]["lines"][0]["discount"] = 0.1
    result = ValidationEngine().validate_records(records, INVOICE_SCHEMA, LENIENT)
    assert result.counts.drift == 3
    assert result.profile.fields["/region"].in_schema is False
    unexpected = {(s.pointer, s.records, s.observed) for s in result.profile.unexpected}
    assert unexpected == {("/region", 3, ("string",)), ("/lines/*/discount", 1, ("number",))}


def test_an_open_model_accepts_undescribed_fields_and_signals_them() -> None:
    records = [invoice(i) for i in range(5)]
    records[0]["region"] = "EU"
    records[1]["region"] = 7
    records[2]["lines"][0]["discount"] = 0.1
    result = ValidationEngine().validate_records(records, open_schema())
    assert result.counts.to_dict() == {"valid": 5, "drift": 0, "invalid": 0}
    assert result.verdict.outcome is Outcome.PASS
    signals = {(s.pointer, s.kind, s.records, s.observed_types) for s in result.drift_signals}
    assert signals == {
        ("/region", FieldDriftKind.UNEXPECTED, 2, ("integer", "string")),
        ("/lines/*/discount", FieldDriftKind.UNEXPECTED, 1, ("number",)),
    }


def test_pattern_properties_and_catch_all_schemas_describe_fields() -> None:
    schema = {
        "type": "object",
        "properties": {"id": {"type": "integer"}},
        "patternProperties": {"^x_": {"type": "string"}},
    }
    result = ValidationEngine().validate_records([{"id": 1, "x_a": "s", "y": 2}], schema)
    assert [s.pointer for s in result.profile.unexpected] == ["/y"]
    catch_all = {"properties": {"id": {}}, "additionalProperties": {"type": "string"}}
    result = ValidationEngine().validate_records([{"id": 1, "note": "s"}], catch_all)
    assert result.profile.unexpected == ()


def outcome(counts: tuple[int, int, int], policy: StagePolicy) -> tuple[Outcome, str | None]:
    valid, drift, invalid = counts
    records: list[Any] = [invoice(i) for i in range(valid + drift + invalid)]
    for record in records[valid : valid + drift]:
        record["total"] = "x"
    for record in records[valid + drift :]:
        record["total"] = -1
    random.Random(0).shuffle(records)
    verdict = ValidationEngine().validate_records(records, INVOICE_SCHEMA, policy).verdict
    return verdict.outcome, verdict.code.value if verdict.code else None


@pytest.mark.parametrize(
    ("counts", "policy", "expected"),
    [
        ((10, 0, 0), StagePolicy(), (Outcome.PASS, None)),
        ((9, 0, 1), StagePolicy(), (Outcome.FAIL, "PIPE-1002")),
        ((9, 0, 1), StagePolicy(max_invalid_ratio=0.1), (Outcome.PASS, None)),
        ((8, 0, 2), StagePolicy(max_invalid_ratio=0.1), (Outcome.FAIL, "PIPE-1002")),
        ((9, 1, 0), StagePolicy(), (Outcome.DRIFT, "PIPE-1204")),
        ((9, 1, 0), StagePolicy(on_drift=OnDrift.FAIL), (Outcome.FAIL, "PIPE-1204")),
        ((8, 1, 1), StagePolicy(max_invalid_ratio=0.1), (Outcome.DRIFT, "PIPE-1204")),
        ((8, 1, 1), StagePolicy(on_drift=OnDrift.FAIL), (Outcome.FAIL, "PIPE-1002")),
        ((0, 0, 0), StagePolicy(), (Outcome.PASS, None)),
    ],
)
def test_the_stage_policy_decides_the_verdict(
    counts: tuple[int, int, int], policy: StagePolicy, expected: tuple[Outcome, str | None]
) -> None:
    assert outcome(counts, policy) == expected


def test_a_schema_compiles_once_per_fingerprint() -> None:
    cache = ValidatorCache()
    engine = ValidationEngine(cache)
    reordered = dict(reversed(list(INVOICE_SCHEMA.items())))
    for schema in (INVOICE_SCHEMA, reordered, INVOICE_SCHEMA):
        engine.validate_records([invoice(1)], schema)
    assert cache.compilations == 1
    engine.validate_records([invoice(1)], open_schema())
    assert cache.compilations == 2
    assert engine.compile(INVOICE_SCHEMA).fingerprint != engine.compile(open_schema()).fingerprint


def test_the_cache_keeps_its_own_copy_of_the_schema() -> None:
    schema: dict[str, Any] = {"type": "object", "properties": {"a": {"type": "integer"}}}
    compiled = ValidationEngine().compile(schema)
    schema["properties"]["a"]["type"] = "string"
    assert compiled.validator.is_valid({"a": 1})


@pytest.mark.parametrize(
    ("schema", "pointer"),
    [
        ({"type": "objekt"}, "/type"),
        ({"properties": {"a": {"minimum": "zero"}}}, "/properties/a/minimum"),
        ({"properties": {"a": {"pattern": "("}}}, "/properties/a/pattern"),
        ({"$ref": "#/$defs/missing"}, None),
        ({"$ref": "https://example.invalid/schema.json"}, None),
        ("not a schema", None),
    ],
)
def test_an_invalid_schema_raises_schema_error_naming_where(schema: Any, pointer: str | None) -> None:
    with pytest.raises(SchemaError) as caught:
        ValidationEngine().compile(schema)
    if pointer is not None:
        assert pointer in str(caught.value)


def test_results_serialise_to_plain_json() -> None:
    data, _ = mixed_batch()
    result: BatchResult = ValidationEngine().validate_lines(data, INVOICE_SCHEMA, LENIENT)
    decoded = orjson.loads(orjson.dumps(result.to_dict()))
    assert decoded["counts"] == {"valid": 7, "drift": 2, "invalid": 2}
    assert decoded["verdict"]["outcome"] == "drift"


@pytest.mark.parametrize("pause_gc", [True, False])
def test_the_collector_is_paused_while_a_chunk_is_checked_then_left_as_it_was(pause_gc: bool) -> None:
    data, _ = mixed_batch()
    engine = ValidationEngine(pause_gc=pause_gc)
    enabled_in_sink: list[bool] = []
    assert gc.isenabled()
    engine.validate_lines(
        data, INVOICE_SCHEMA, LENIENT, sink=lambda _: enabled_in_sink.append(gc.isenabled())
    )
    assert enabled_in_sink == [not pause_gc] * 4
    assert gc.isenabled()
    gc.disable()
    try:
        engine.validate_lines(data, INVOICE_SCHEMA, LENIENT)
        assert not gc.isenabled()
    finally:
        gc.enable()
