"""Per-record results: every error, its pointer and rule, and the record's class."""

from __future__ import annotations

from typing import Any

import pytest

from schemaline.sdk.validation import RecordClass, ValidationEngine
from tests.validation.invoices import INVOICE_SCHEMA, invoice


@pytest.fixture
def engine() -> ValidationEngine:
    return ValidationEngine()


def errors_of(engine: ValidationEngine, record: Any, schema: Any = INVOICE_SCHEMA) -> set[tuple[str, str]]:
    _, errors = engine.validate_record(record, schema)
    return {(error.pointer, error.rule) for error in errors}


def test_a_record_the_schema_accepts_is_valid_with_no_errors(engine: ValidationEngine) -> None:
    assert engine.validate_record(invoice(1), INVOICE_SCHEMA) == (RecordClass.VALID, ())


def test_every_error_of_a_record_is_reported_with_its_pointer_and_rule(engine: ValidationEngine) -> None:
    record = invoice(1)
    record["total"] = -5
    record["country"] = "germany"
    record["lines"][0]["quantity"] = 0
    record["lines"][0]["sku"] = "x"
    assert errors_of(engine, record) == {
        ("/total", "minimum"),
        ("/country", "pattern"),
        ("/lines/0/quantity", "minimum"),
        ("/lines/0/sku", "pattern"),
    }


def test_a_missing_field_is_named_by_its_own_pointer(engine: ValidationEngine) -> None:
    record = invoice(1)
    del record["currency"]
    del record["lines"][-1]["amount"]
    last = len(record["lines"]) - 1
    record_class, errors = engine.validate_record(record, INVOICE_SCHEMA)
    assert record_class is RecordClass.DRIFT
    assert {(e.pointer, e.rule) for e in errors} == {
        ("/currency", "required"),
        (f"/lines/{last}/amount", "required"),
    }
    assert any("'currency'" in e.message for e in errors)


def test_each_unexpected_field_is_one_error(engine: ValidationEngine) -> None:
    record = invoice(1) | {"region": "EU", "a/b~c": 1}
    assert errors_of(engine, record) == {
        ("/region", "additionalProperties"),
        ("/a~1b~0c", "additionalProperties"),
    }


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: r.update(total="146.90"), RecordClass.DRIFT),  # type changed
        (lambda r: r.pop("status"), RecordClass.DRIFT),  # missing
        (lambda r: r.update(extra=True), RecordClass.DRIFT),  # unexpected in a closed model
        (lambda r: r.update(currency="JPY"), RecordClass.INVALID),  # enum
        (lambda r: r.update(due_days=400), RecordClass.INVALID),  # maximum
        (lambda r: r.update(lines=[]), RecordClass.INVALID),  # minItems
        (lambda r: r.update(total="x", currency="JPY"), RecordClass.INVALID),  # shape and value: invalid
    ],
)
def test_shape_failures_are_drift_and_value_failures_invalid(
    engine: ValidationEngine, change: Any, expected: RecordClass
) -> None:
    record = invoice(3)
    change(record)
    assert engine.validate_record(record, INVOICE_SCHEMA)[0] is expected


def test_any_of_counts_as_shape_only_when_every_branch_failed_on_shape(engine: ValidationEngine) -> None:
    schema = {"properties": {"v": {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0}]}}}
    assert engine.validate_record({"v": 1.5}, schema)[0] is RecordClass.DRIFT
    assert engine.validate_record({"v": -1}, schema)[0] is RecordClass.INVALID
    assert engine.validate_record({"v": "ok"}, schema)[0] is RecordClass.VALID


def test_a_non_object_record_is_a_type_drift_at_the_root(engine: ValidationEngine) -> None:
    record_class, errors = engine.validate_record([1, 2], INVOICE_SCHEMA)
    assert record_class is RecordClass.DRIFT
    assert [(e.pointer, e.rule) for e in errors] == [("", "type")]
