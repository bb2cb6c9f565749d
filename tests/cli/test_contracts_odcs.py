"""`schemaline contracts export --format odcs`: each stage contract as an ODCS document, checked by the
open-data-contract-standard models and schema, and linted by `datacontract lint` (datacontract-cli)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from open_data_contract_standard.model import OpenDataContractStandard
from pydantic import SecretStr

from schemaline.cli.main import main
from schemaline.contracts import PipelineId
from schemaline.pipelines.seed import seed_contracts, seed_schema
from schemaline.registry.settings import RegistrySettings
from schemaline.registry.spec import SPEC
from schemaline.runtime.settings import DatabaseSettings, Role
from schemaline.sdk.fingerprint import fingerprint
from tests.support.registry import TOKENS, auth_settings, bearer, running_registry
from tests.support.serving import serving

DATACONTRACT = Path(sys.executable).parent / "datacontract"
ODCS_SCHEMA = json.loads((resources.files("open_data_contract_standard") / "schema.json").read_text())


def _lint(path: Path, report: Path) -> dict[str, Any]:
    run = subprocess.run(
        [str(DATACONTRACT), "lint", str(path), "--output-format", "json", "--output", str(report)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    result: dict[str, Any] = json.loads(report.read_text())
    return result


def _custom(document: OpenDataContractStandard) -> dict[str, Any]:
    return {str(item.property): item.value for item in document.customProperties or []}


def test_every_seed_stage_contract_exports_as_valid_odcs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "odcs"
    assert main(["contracts", "export", "--format", "odcs", str(out)]) == 0
    written = sorted(out.glob("*.odcs.yaml"))
    assert len(written) == len(seed_contracts()) == 4
    assert capsys.readouterr().out.split() == [str(path) for path in written]
    for path in written:
        raw = yaml.safe_load(path.read_text())
        jsonschema.validate(raw, ODCS_SCHEMA)  # the standard's own JSON Schema, shipped with the models
        document = OpenDataContractStandard.from_file(str(path))
        assert (document.kind, document.apiVersion, document.status) == ("DataContract", "v3.1.0", "active")
        report = _lint(path, tmp_path / f"{path.stem}.lint.json")
        assert report["result"] == "passed", report
        assert [check["result"] for check in report["checks"]] == ["passed"]


def test_the_gdp_contract_maps_its_schema_and_policy(tmp_path: Path) -> None:
    assert main(["contracts", "export", "--format", "odcs", str(tmp_path)]) == 0
    document = OpenDataContractStandard.from_file(str(tmp_path / "finance_gdp_transform.gdp.odcs.yaml"))
    assert (document.id, document.version, document.domain) == (
        "finance_gdp_transform.gdp",
        "1.1.0",
        "finance",
    )
    assert document.schema_ is not None
    [invoice] = document.schema_
    assert (invoice.name, invoice.physicalName) == ("invoice", "finance.gdp.invoice")
    properties = {p.name: p for p in invoice.properties or []}
    assert properties["invoice_id"].required is True
    assert properties["invoice_id"].logicalTypeOptions == {"minLength": 1}
    assert properties["issued_at"].logicalType == "timestamp"
    assert properties["tax"].required is False
    [allowed] = properties["currency"].quality or []
    assert (allowed.metric, allowed.arguments) == ("invalidValues", {"validValues": ["EUR", "USD", "GBP"]})
    assert properties["lines"].logicalType == "array"
    assert properties["lines"].items is not None
    assert {p.name for p in properties["lines"].items.properties or []} >= {"sku"}
    custom = _custom(document)
    assert custom["schemalineSchemaFqid"] == "finance.gdp.invoice:v1.1"
    assert custom["schemalineSchemaFingerprint"] == fingerprint(seed_schema("finance.gdp.invoice:v1.1"))
    assert custom["schemalineValidationTiming"] == "pre_job_post_transform"
    assert custom["schemalineIntegrationMode"] == "in_process"
    assert custom["schemalineValidationScope"] == "semantic"


async def _seed_registry(database_url: str) -> None:
    """Publish the gdp schema and store its contract, through the registry's own flow."""
    async with running_registry(database_url) as registry:
        await registry.publish(seed_schema("finance.gdp.invoice:v1.0"))
        contract = seed_contracts()[PipelineId("finance_gdp_transform")].model_copy(
            update={"schema_selector": "finance.gdp.invoice:^1"}
        )
        stored = await registry.client.put(
            "/api/v1/contracts/finance_gdp_transform/gdp",
            json=contract.model_dump(mode="json"),
            headers=bearer(Role.PUBLISHER),
        )
        assert stored.status_code == 201, stored.text


@pytest.fixture
def registry_url(tmp_path: Path) -> Iterator[str]:
    database_url = f"sqlite+aiosqlite:///{tmp_path}/registry.db"
    asyncio.run(_seed_registry(database_url))
    settings = RegistrySettings(database=DatabaseSettings(url=SecretStr(database_url)), auth=auth_settings())
    with serving(SPEC, settings) as url:
        yield url


def test_contracts_are_read_from_a_running_registry(
    registry_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEMALINE_REGISTRY_TOKEN", TOKENS[Role.RUNNER])
    out = tmp_path / "odcs"
    assert main(["contracts", "export", "--format", "odcs", str(out), "--registry", registry_url]) == 0
    [path] = out.glob("*.odcs.yaml")
    document = OpenDataContractStandard.from_file(str(path))
    custom = _custom(document)
    assert custom["schemalineSchemaSelector"] == "finance.gdp.invoice:^1"
    assert custom["schemalineSchemaFqid"] == "finance.gdp.invoice:v1.0"  # what the selector resolves to now
    assert custom["schemalineSchemaFingerprint"] == fingerprint(seed_schema("finance.gdp.invoice:v1.0"))
    assert _lint(path, tmp_path / "lint.json")["result"] == "passed"
