"""Schema contracts over the API: versioned revisions, fetched by pipeline id and layer."""

from __future__ import annotations

from typing import Any

from schemaline.runtime.settings import Role
from tests.support.registry import Harness, bearer, invoice

URL = "/api/v1/contracts/finance_gdp_transform/gdp"
WRITE, READ = bearer(Role.PUBLISHER), bearer(Role.RUNNER)


def contract(**overrides: Any) -> dict[str, Any]:
    return {
        "pipeline_id": "finance_gdp_transform",
        "layer": "gdp",
        "component": "glue",
        "schema_selector": "finance.gdp.invoice:^1",
        "integration_mode": "pre_job",
        "validation_timing": "structural",
    } | overrides


async def test_contract_revisions_round_trip(registry: Harness) -> None:
    await registry.publish(invoice())
    created = await registry.client.put(URL, json=contract(), headers=WRITE)
    assert created.status_code == 201
    assert created.json()["revision"] == 1
    assert created.json()["created_by"] == "publisher-bot"
    same = await registry.client.put(URL, json=contract(), headers=WRITE)
    assert (same.status_code, same.json()["revision"]) == (200, 1)
    changed = await registry.client.put(URL, json=contract(policy={"max_invalid_ratio": 0.01}), headers=WRITE)
    assert (changed.status_code, changed.json()["revision"]) == (201, 2)

    current = (await registry.client.get(URL, headers=READ)).json()
    assert current["contract"]["policy"]["max_invalid_ratio"] == 0.01
    listed = (await registry.client.get("/api/v1/contracts", headers=READ)).json()
    assert [(c["pipeline_id"], c["layer"], c["revision"]) for c in listed] == [
        ("finance_gdp_transform", "gdp", 2)
    ]

    deleted = await registry.client.delete(URL, headers=WRITE)
    assert (deleted.status_code, deleted.json()["deleted"]) == (200, True)
    assert (await registry.client.get(URL, headers=READ)).status_code == 404
    assert (await registry.client.get("/api/v1/contracts", headers=READ)).json() == []
    history = (await registry.client.get(f"{URL}/revisions", headers=READ)).json()
    assert [(r["revision"], r["deleted"]) for r in history] == [(1, False), (2, False), (3, True)]
    assert (await registry.client.delete(URL, headers=WRITE)).status_code == 404


async def test_contract_must_match_its_path_and_bind_a_published_schema(registry: Harness) -> None:
    unbound = await registry.client.put(URL, json=contract(), headers=WRITE)
    assert unbound.status_code == 422
    assert unbound.json()["pointer"] == "/schema_selector"
    await registry.publish(invoice())
    elsewhere = await registry.client.put(
        "/api/v1/contracts/other_pipeline/gdp", json=contract(), headers=WRITE
    )
    assert elsewhere.status_code == 422
    wrong_layer = await registry.client.put(
        URL, json=contract(layer="kpi", schema_selector="finance.kpi.daily:^1"), headers=WRITE
    )
    assert wrong_layer.status_code == 422
    assert (await registry.client.get(URL, headers=READ)).status_code == 404
