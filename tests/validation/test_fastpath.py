"""The fast-path schema accepts exactly what the schema accepts; the profile's sample never hides drift."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema_rs
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from schemaline.contracts import FieldDriftKind, StagePolicy
from schemaline.sdk.validation import ValidationEngine, reference_validator
from schemaline.sdk.validation.fastpath import fast_schema
from schemaline.sdk.validation.profile import SAMPLE_ALL, SAMPLE_EVERY
from tests.validation.invoices import INVOICE_SCHEMA, invoice, open_schema

LENIENT = StagePolicy(max_invalid_ratio=1.0)
NAMES = ["a", "b", "c", "d", "e", "f"]


def closed(required: list[str], optional: list[str], **more: Any) -> dict[str, Any]:
    properties = {name: {"type": "integer"} for name in required + optional}
    model = {"type": "object", "properties": properties, "required": required, "additionalProperties": False}
    return model | more


def test_required_in_a_closed_model_becomes_a_count_of_keys() -> None:
    fast = fast_schema(
        closed(["a", "b", "c"], ["d"], **{"$schema": "https://json-schema.org/draft/2020-12/schema"})
    )
    assert isinstance(fast, dict)
    assert "required" not in fast
    assert fast["minProperties"] == 3
    assert fast["dependentSchemas"] == {"d": {"minProperties": 4}}


def test_a_schema_naming_no_dialect_is_draft_07_and_counts_through_dependencies() -> None:
    fast = fast_schema(closed(["a", "b", "c"], ["d"]))
    assert isinstance(fast, dict)
    assert fast["dependencies"] == {"d": {"minProperties": 4}}


def test_nested_closed_models_are_rewritten_and_the_schema_given_is_left_alone() -> None:
    schema = copy.deepcopy(INVOICE_SCHEMA)
    fast = fast_schema(schema)
    assert schema == INVOICE_SCHEMA
    assert isinstance(fast, dict)
    assert "required" not in fast
    assert "required" not in fast["$defs"]["line"]


def test_models_it_cannot_prove_equivalent_are_left_alone() -> None:
    for schema in (
        closed(["a"], ["b", "c"]),  # 2^2 nodes would cost more than one lookup
        {"type": "object", "properties": {"a": {}}, "required": ["a"]},  # open
        closed(["a", "b"], [], patternProperties={"^x": {}}),
        closed(["a", "b"], [], minProperties=1),
        closed(["a", "b"], []) | {"required": ["a", "z"]},  # a required name outside properties
        closed(["a", "b"], [], **{"$schema": "https://example.com/my-draft"}),
    ):
        assert fast_schema(schema) == schema


def test_older_drafts_count_through_dependencies() -> None:
    fast = fast_schema(
        closed(["a", "b", "c"], ["d"], **{"$schema": "http://json-schema.org/draft-07/schema#"})
    )
    assert isinstance(fast, dict)
    assert fast["dependencies"] == {"d": {"minProperties": 4}}


@st.composite
def models_and_records(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=6, unique=True))
    split = draw(st.integers(min_value=0, max_value=len(names)))
    draft = draw(st.sampled_from([None, "http://json-schema.org/draft-07/schema#"]))
    schema = closed(names[:split], names[split:])
    if draft:
        schema["$schema"] = draft
    keys = st.sampled_from([*NAMES, "zz"])
    values = st.sampled_from([1, "s"])
    records = draw(st.lists(st.dictionaries(keys, values, max_size=7), min_size=1, max_size=12))
    return schema, records


@settings(max_examples=400, deadline=None)
@given(case=models_and_records())
def test_the_fast_path_accepts_exactly_what_the_schema_accepts(
    case: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    schema, records = case
    fast = jsonschema_rs.validator_for(fast_schema(schema))
    reference = reference_validator(schema)
    for record in records:
        assert fast.is_valid(record) == reference.is_valid(record), (schema, record)
    result = ValidationEngine().validate_records(records, schema, LENIENT)
    expected = [i for i, record in enumerate(records) if not reference.is_valid(record)]
    assert [r.index for r in result.rejected] == expected


def big_batch(schema: dict[str, Any], drifted: list[int], size: int) -> tuple[bytes, Any]:
    """`size` invoices as JSON Lines; the ones at `drifted` carry `region`, top level and nested."""
    records = [invoice(i % 50) for i in range(size)]
    for index in drifted:
        records[index] = records[index] | {"region": "EU"}
        records[index]["lines"] = [records[index]["lines"][0] | {"discount": 0.5}]
    data = b"".join(orjson.dumps(record) + b"\n" for record in records)
    return data, ValidationEngine().validate_lines(data, schema, LENIENT)


def unexpected(result: Any) -> dict[str, int]:
    return {s.pointer: s.records for s in result.drift_signals if s.kind is FieldDriftKind.UNEXPECTED}


def test_drift_is_counted_on_every_record_not_on_the_sample() -> None:
    size = SAMPLE_ALL + 40 * SAMPLE_EVERY
    drifted = [SAMPLE_ALL + 1, SAMPLE_ALL + SAMPLE_EVERY + 7, size - 1]  # none of them sampled
    _, result = big_batch(INVOICE_SCHEMA, drifted, size)
    assert result.counts.drift == 3
    assert unexpected(result) == {"/region": 3, "/lines/*/discount": 3}
    assert [r.index for r in result.rejected] == drifted
    assert (result.profile.records, result.profile.sampled) == (size, SAMPLE_ALL + 40)
    assert "/region" not in result.profile.fields  # the sample missed them; the drift lists did not


def test_open_models_signal_every_record_with_undescribed_fields() -> None:
    size = SAMPLE_ALL + 10 * SAMPLE_EVERY
    drifted = [SAMPLE_ALL + 3, size - 2]
    _, result = big_batch(open_schema(), drifted, size)
    assert result.counts.valid == size
    assert unexpected(result) == {"/region": 2, "/lines/*/discount": 2}


def test_without_a_twin_every_valid_records_top_level_keys_are_looked_at() -> None:
    # patternProperties leave the root open and give the closed twin nothing to close.
    schema = {"type": "object", "properties": {"invoice_id": {}}, "patternProperties": {"^[a-qs-z]": {}}}
    assert ValidationEngine().compile(schema).check_top_level
    size = SAMPLE_ALL + 5 * SAMPLE_EVERY
    _, result = big_batch(schema, [SAMPLE_ALL + 9, size - 1], size)
    assert unexpected(result) == {"/region": 2}
