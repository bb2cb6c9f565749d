import copy
from typing import Any

import jsonschema

from schemaline.drift_detector.patch import propose_patch

INVOICE: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["invoice_id", "amount", "currency"],
    "properties": {
        "invoice_id": {"type": "string"},
        "amount": {"type": "integer", "minimum": 0},
        "currency": {"type": "string", "enum": ["EUR", "USD"]},
        "customer": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"id": {"type": "string"}},
        },
        "lines": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"sku": {"type": "string"}},
            },
        },
    },
}
GOOD = {"invoice_id": "i-1", "amount": 10, "currency": "EUR"}


def test_an_unexpected_field_becomes_an_optional_property_of_the_seen_type() -> None:
    drifted = [GOOD | {"invoice_region_code": "EU-W"}, GOOD | {"invoice_region_code": None}]
    proposal = propose_patch(INVOICE, drifted, accepted_sample=[GOOD])
    assert proposal.accepts_all
    assert proposal.schema["properties"]["invoice_region_code"] == {"type": ["null", "string"]}
    assert "invoice_region_code" not in proposal.schema["required"]
    assert [step.kind for step in proposal.steps] == ["add_optional_property"]
    assert proposal.steps[0].path == "#/properties/invoice_region_code"
    assert INVOICE["properties"].get("invoice_region_code") is None, "the input schema is untouched"


def test_types_are_widened_not_replaced() -> None:
    proposal = propose_patch(INVOICE, [GOOD | {"amount": 10.5}])
    assert proposal.schema["properties"]["amount"]["type"] == ["integer", "number"]
    assert proposal.schema["properties"]["amount"]["minimum"] == 0
    assert proposal.accepts_all


def test_a_required_field_seen_missing_becomes_optional() -> None:
    record = {"invoice_id": "i-2", "amount": 3}
    proposal = propose_patch(INVOICE, [record])
    assert proposal.schema["required"] == ["invoice_id", "amount"]
    assert proposal.accepts_all


def test_nested_objects_and_array_items_are_patched_where_they_drifted() -> None:
    record = GOOD | {"customer": {"id": "c", "tier": 2}, "lines": [{"sku": "a", "qty": 1}]}
    proposal = propose_patch(INVOICE, [record])
    paths = [step.path for step in proposal.steps]
    assert paths == ["#/properties/customer/properties/tier", "#/properties/lines/items/properties/qty"]
    assert proposal.accepts_all


def test_value_rules_are_never_loosened_and_the_record_is_reported() -> None:
    broken = GOOD | {"amount": -5, "invoice_region_code": "EU"}
    proposal = propose_patch(INVOICE, [broken])
    assert not proposal.accepts_all
    assert [(r.index, r.pointer) for r in proposal.still_rejected] == [(0, "/amount")]
    assert proposal.schema["properties"]["amount"]["minimum"] == 0


def test_the_proposal_is_checked_against_records_the_current_version_accepts() -> None:
    schema = copy.deepcopy(INVOICE)
    proposal = propose_patch(schema, [GOOD | {"extra": 1}], accepted_sample=[GOOD, GOOD])
    assert proposal.accepts_all
    for record in (GOOD, GOOD | {"extra": 1}):
        jsonschema.validate(record, proposal.schema)
