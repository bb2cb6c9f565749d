"""The seed schemas: named for their FQIDs, open or closed as their layer says, each version
BACKWARD compatible with the one before under the compatibility engine."""

from __future__ import annotations

from typing import Any

import pytest

from schemaline.contracts import Fqid, Layer
from schemaline.pipelines.seed import drift_fix_schemas, schemas_dir, seed_contracts, seed_schemas
from schemaline.sdk import compat
from schemaline.sdk.compat import Level, Policy
from tests.support.invoices import GDP_INVOICE_V1_1, gdp_invoice_v1_2

SUBJECT_HISTORIES = {
    "finance.gdp.invoice": ["v1.0", "v1.1", "v1.2"],
}


def all_schemas() -> dict[Fqid, Any]:
    return seed_schemas() | drift_fix_schemas()


def test_every_seed_schema_is_valid_and_titled_for_its_fqid() -> None:
    assert {str(fqid) for fqid in seed_schemas()} == {
        "finance.extractor.invoice:v1.0",
        "finance.raw.invoice:v1.0",
        "finance.gdp.invoice:v1.0",
        "finance.gdp.invoice:v1.1",
        "finance.kpi.invoice_daily:v1.0",
    }
    assert [str(fqid) for fqid in drift_fix_schemas()] == ["finance.gdp.invoice:v1.2"]
    for fqid, schema in all_schemas().items():
        compat.validate(schema)
        assert schema["title"] == f"{fqid.subject} {fqid.version}"


@pytest.mark.parametrize(
    ("fqid", "closed"),
    [
        ("finance.extractor.invoice:v1.0", False),
        ("finance.raw.invoice:v1.0", False),
        ("finance.gdp.invoice:v1.0", True),
        ("finance.gdp.invoice:v1.1", True),
        ("finance.gdp.invoice:v1.2", True),
        ("finance.kpi.invoice_daily:v1.0", True),
    ],
)
def test_content_model_by_layer(fqid: str, closed: bool) -> None:
    schema = all_schemas()[Fqid.parse(fqid)]
    assert (schema.get("additionalProperties") is False) is closed


@pytest.mark.parametrize("policy", [Policy.STRICT, Policy.LENIENT])
def test_gdp_versions_are_backward_compatible_in_sequence_and_transitively(policy: Policy) -> None:
    schemas = all_schemas()
    history: list[Any] = []
    for version in SUBJECT_HISTORIES["finance.gdp.invoice"]:
        candidate = schemas[Fqid.parse(f"finance.gdp.invoice:{version}")]
        verdict = compat.check(candidate, history, Level.BACKWARD_TRANSITIVE, policy)
        assert verdict.compatible, [c.changes for c in verdict.comparisons]
        history.append(candidate)


def test_the_engine_tells_the_chain_apart_from_its_reverse() -> None:
    """v1.1 cannot read v1.2 data (a closed model meeting invoice_region_code): not FORWARD."""
    schemas = all_schemas()
    v11, v12 = (schemas[Fqid.parse(f"finance.gdp.invoice:{v}")] for v in ("v1.1", "v1.2"))
    assert not compat.check(v12, [v11], Level.FORWARD).compatible
    assert not compat.check(v11, [v12], Level.BACKWARD).compatible


def test_v1_2_is_v1_1_plus_an_optional_region_code() -> None:
    v12 = gdp_invoice_v1_2()
    assert set(v12["properties"]) - set(GDP_INVOICE_V1_1["properties"]) == {"invoice_region_code"}
    assert v12["required"] == GDP_INVOICE_V1_1["required"]


def test_tests_support_reads_the_seed_file() -> None:
    import json

    on_disk = json.loads((schemas_dir() / "finance.gdp.invoice.v1.1.json").read_text())
    assert on_disk == GDP_INVOICE_V1_1


def test_stage_contracts_bind_each_layer() -> None:
    contracts = seed_contracts()
    layers = {contract.layer: str(contract.schema_selector) for contract in contracts.values()}
    assert layers == {
        Layer.EXTRACTOR: "finance.extractor.invoice:v1.0",
        Layer.RAW: "finance.raw.invoice:v1.0",
        Layer.GDP: "finance.gdp.invoice:v1.1",
        Layer.KPI: "finance.kpi.invoice_daily:^1",
    }
