"""The engine (jsonschema-rs) and the reference (python jsonschema) agree on validity."""

from __future__ import annotations

import contextlib
import copy
import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemaline.sdk.validation import RecordClass, ValidationEngine, reference_validator
from tests.validation.invoices import INVOICE_SCHEMA, invoice, open_schema

SCHEMAS: dict[str, dict[str, Any]] = {
    "invoice": INVOICE_SCHEMA,
    "invoice_open": open_schema(),
    "composition": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "id": {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "string", "minLength": 2}]},
            "tags": {"type": "array", "items": {"enum": ["a", "b", 1, None]}, "uniqueItems": True},
            "pair": {"prefixItems": [{"type": "string"}, {"type": "number"}], "items": False},
            "kind": {"const": "x"},
            "n": {"type": "number", "multipleOf": 0.5, "exclusiveMaximum": 100},
        },
        "patternProperties": {"^x-": {"type": "boolean"}},
        "dependentRequired": {"pair": ["kind"]},
        "if": {"required": ["kind"]},
        "then": {"required": ["id"]},
        "not": {"required": ["forbidden"]},
        "minProperties": 1,
    },
    "with_id": {
        "$id": "https://schemas.example.com/finance/invoice.json",
        "$defs": {"pos": {"type": "integer", "minimum": 0}},
        "type": "object",
        "properties": {"n": {"$ref": "#/$defs/pos"}, "id": {"$ref": "invoice.json#/$defs/pos"}},
        "required": ["id"],
    },
    "draft7_refs": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": {"node": {"type": "object", "properties": {"child": {"$ref": "#/definitions/node"}}}},
        "type": "object",
        "properties": {"root": {"$ref": "#/definitions/node"}, "items": {"items": [{"type": "integer"}]}},
        "additionalProperties": {"type": ["string", "array", "object"]},
    },
}

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["", "x", "ab", "a", "b", "INV-00000001", "EUR", "JPY", "2025-10-07T12:00:00Z"]),
)
_keys = st.sampled_from(
    [
        "id",
        "tags",
        "pair",
        "kind",
        "n",
        "x-flag",
        "forbidden",
        "root",
        "child",
        "items",
        "total",
        "lines",
        "other",
    ]
)
json_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=6),
    max_leaves=12,
)


def _agree(schema: dict[str, Any], instances: list[Any]) -> None:
    engine = ValidationEngine()
    reference = reference_validator(schema)
    for instance in instances:
        record_class, errors = engine.validate_record(instance, schema)
        assert (record_class is RecordClass.VALID) == reference.is_valid(instance), instance
        assert (record_class is RecordClass.VALID) == (not errors)
    result = engine.validate_records(instances, schema, None)
    expected_rejected = [i for i, instance in enumerate(instances) if not reference.is_valid(instance)]
    assert [r.index for r in result.rejected] == expected_rejected
    assert result.counts.valid == len(instances) - len(expected_rejected)


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(sorted(SCHEMAS)), instances=st.lists(json_values, min_size=1, max_size=10))
def test_engine_and_reference_agree_on_generated_values(name: str, instances: list[Any]) -> None:
    _agree(SCHEMAS[name], instances)


MUTATIONS: list[Callable[[dict[str, Any], random.Random], Any]] = [
    lambda r, g: r.pop(g.choice(sorted(r))),
    lambda r, g: r.update({g.choice(sorted(r)): g.choice([None, "s", 1, 1.5, True, [], {}])}),
    lambda r, g: r.update(extra=g.random()),
    lambda r, g: r["lines"][0].update(quantity=g.choice([0, -1, "1", 2.5, 3])),
    lambda r, g: r["lines"][0].update(sku=g.choice(["ab", "SKU-1", "sku-lower", "A" * 30])),
    lambda r, g: r["lines"][0].update(note="n"),
    lambda r, g: r.update(lines=g.choice([[], {}, [1], None])),
    lambda r, g: r.update(invoice_id=g.choice(["INV-1", "INV-12345678", "inv-12345678"])),
    lambda r, g: r.update(currency=g.choice(["EUR", "JPY", "eur"])),
    lambda r, g: r.update(total=g.choice([-0.01, 0, 1e300, -1e-9])),
    lambda r, g: r.update(notes=g.choice([None, "x" * 501, "x" * 500])),
]


def invoice_corpus(size: int, seed: int) -> list[Any]:
    """Valid invoices, and invoices with one to three random mutations (some leave them valid)."""
    rng = random.Random(seed)
    corpus: list[Any] = []
    for i in range(size):
        record = invoice(i, rng)
        if i % 3:
            for mutate in rng.sample(MUTATIONS, rng.randint(1, 3)):
                # An earlier mutation may have removed what this one changes.
                with contextlib.suppress(KeyError, IndexError, AttributeError, TypeError):
                    mutate(record, rng)
        corpus.append(copy.deepcopy(record))
    return corpus


@pytest.mark.parametrize("name", ["invoice", "invoice_open"])
def test_engine_and_reference_agree_on_the_invoice_corpus(name: str) -> None:
    corpus = invoice_corpus(1500, seed=7)
    reference = reference_validator(SCHEMAS[name])
    valid = sum(reference.is_valid(record) for record in corpus)
    assert 500 < valid < 1400  # the corpus really mixes valid and invalid records
    _agree(SCHEMAS[name], corpus)
