"""The drift detector's operator API: on the embedded stack after Example B, and its roles on SQLite."""

from __future__ import annotations

from pathlib import Path

import httpx
from pydantic import SecretStr

from schemaline.cli.scenarios import seed_registry, stage_deps, verdict_hook
from schemaline.cli.stack import REGISTRY_URL, EmbeddedStack, embedded_stack
from schemaline.drift_detector.api import create_app
from schemaline.drift_detector.tables import metadata
from schemaline.pipelines.runner import run_chain
from schemaline.pipelines.source import example_b, extractor_event
from schemaline.runtime.db import create_engine
from schemaline.runtime.http.auth import TokenTable
from schemaline.runtime.objectstore import LocalFolderStore
from schemaline.runtime.settings import Role, TokenGrant
from tests.support.api import assert_roles, client, tokens

PUBLISHER = "demo-publisher"  # the embedded stack's publisher token is granted under this name


def _noop(_text: str) -> None:
    return None


def _app(stack: EmbeddedStack, registry_url: str = REGISTRY_URL) -> httpx.AsyncClient:
    grants = [
        TokenGrant(name=f"demo-{role.value}", role=role, token=SecretStr(stack.tokens[role]))
        for role in (Role.PUBLISHER, Role.RUNNER)
    ]
    transport = httpx.ASGITransport(app=stack.registry.app) if registry_url == REGISTRY_URL else None
    app = create_app(
        engine=stack.drift_engine,
        objects=stack.objects,
        registry_url=registry_url,
        registry_transport=transport,
        registry_timeout_s=0.5,
        tokens=TokenTable(grants),
    )
    return client(app)


async def test_list_show_propose_and_ack_close_example_b(tmp_path: Path) -> None:
    async with embedded_stack(tmp_path) as stack:
        await seed_registry(stack, _noop)
        await run_chain(extractor_event(example_b()), stage_deps(stack), await_verdict=verdict_hook(stack))
        await stack.settle()
        headers = {"Authorization": f"Bearer {stack.tokens[Role.PUBLISHER]}"}
        async with _app(stack) as http:
            listed = (await http.get("/api/v1/drift/cases?state=open", headers=headers)).json()
            [case_id] = [case["case_id"] for case in listed]
            shown = (await http.get(f"/api/v1/drift/cases/{case_id}", headers=headers)).json()
            assert shown["fields"][0]["pointer"] == "/invoice_region_code"
            assert shown["runs"][0]["quarantine_uri"].startswith("s3://warehouse/quarantine/")
            assert (await http.get("/api/v1/drift/cases/no-such-case", headers=headers)).status_code == 404

            propose = f"/api/v1/drift/cases/{case_id}/propose"
            dry = (await http.post(propose, json={"dry_run": True}, headers=headers)).json()
            assert (dry["accepts_all"], dry["suggested_fqid"], dry["submitted"]) == (
                True,
                "finance.gdp.invoice:v1.2",
                None,
            )
            sent = (await http.post(propose, json={}, headers=headers)).json()["submitted"]
            assert (sent["status"], sent["fqid"]) == ("pending", "finance.gdp.invoice:v1.2")
            assert sent["proposal"]["covers_drift_cases"] == [case_id]
            assert sent["proposal"]["proposed_by"] == PUBLISHER, "recorded under the caller's name"

            acked = await http.post(
                f"/api/v1/drift/cases/{case_id}/ack", json={"note": "on it"}, headers=headers
            )
            assert (acked.json()["state"], acked.json()["note"]) == ("acknowledged", "on it")
            missing = await http.post("/api/v1/drift/cases/nope/ack", json={}, headers=headers)
            assert missing.status_code == 404

        async with _app(stack, registry_url="http://127.0.0.1:9") as http:
            down = await http.post(f"/api/v1/drift/cases/{case_id}/propose", json={}, headers=headers)
            assert down.status_code == 503
            assert down.json()["code"] == "PIPE-1001"
            assert down.json()["message"].startswith("registry unreachable")

        await stack.approve(sent["proposal"]["id"], "drift fix")
        async with _app(stack) as http:
            resolved = (await http.get(f"/api/v1/drift/cases/{case_id}", headers=headers)).json()
            assert resolved["state"] == "resolved"
            again = await http.post(f"/api/v1/drift/cases/{case_id}/ack", json={}, headers=headers)
            assert again.status_code == 409


async def test_a_runner_reads_the_quarantine_sample_and_the_patch_nothing_submitted(tmp_path: Path) -> None:
    async with embedded_stack(tmp_path) as stack:
        await seed_registry(stack, _noop)
        await run_chain(extractor_event(example_b()), stage_deps(stack), await_verdict=verdict_hook(stack))
        await stack.settle()
        headers = {"Authorization": f"Bearer {stack.tokens[Role.RUNNER]}"}
        async with _app(stack) as http:
            [case] = (await http.get("/api/v1/drift/cases", headers=headers)).json()
            base = f"/api/v1/drift/cases/{case['case_id']}"
            sample = (await http.get(f"{base}/quarantine", params={"limit": 3}, headers=headers)).json()
            assert (len(sample["records"]), sample["more"]) == (3, True)
            first = sample["records"][0]
            assert first["class"] == "drift"
            assert "invoice_region_code" in first["record"]
            assert first["reasons"][0]["pointer"] == "/invoice_region_code"
            whole = (await http.get(f"{base}/quarantine", params={"limit": 500}, headers=headers)).json()
            assert (len(whole["records"]), whole["more"]) == (case["drifted_records"], False)

            patch = (await http.get(f"{base}/patch", headers=headers)).json()
            assert (patch["base"], patch["suggested_fqid"], patch["semver"]) == (
                "finance.gdp.invoice:v1.1",
                "finance.gdp.invoice:v1.2",
                "minor",
            )
            assert (patch["compatible"], patch["accepts_all"], patch["submitted"]) == (True, True, None)
            assert "invoice_region_code" in patch["schema"]["properties"]
            assert (await http.get("/api/v1/drift/cases/nope/patch", headers=headers)).status_code == 404
        assert await stack.governance.proposals("pending") == [], "a look at the patch proposes nothing"


async def test_roles(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/drift.db")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    app = create_app(
        engine=engine,
        objects=LocalFolderStore(tmp_path / "objects"),
        registry_url="http://127.0.0.1:9",
        tokens=tokens(),
    )
    actions = {
        ("POST", "/api/v1/drift/cases/{case_id}/propose"): {Role.PUBLISHER},
        ("POST", "/api/v1/drift/cases/{case_id}/ack"): {Role.PUBLISHER},
    }
    await assert_roles(app, {"case_id": "dc-1"}, actions)
    await engine.dispose()
