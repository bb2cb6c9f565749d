"""`schemaline drift …` against the embedded stack: list, show, and propose a drift fix."""

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from schemaline.cli.drift_cmd import propose_case
from schemaline.cli.main import main
from schemaline.cli.scenarios import GDP, open_cases, seed_registry, stage_deps, verdict_hook
from schemaline.cli.stack import REGISTRY_URL, EmbeddedStack, embedded_stack
from schemaline.drift_detector.cases import CaseState, CaseStore, DriftCase
from schemaline.drift_detector.settings import DriftSettings
from schemaline.pipelines.runner import run_chain
from schemaline.pipelines.source import example_b, extractor_event
from schemaline.registry.settings import Role
from schemaline.runtime.settings import DatabaseSettings, ObjectStoreSettings
from schemaline.sdk.registry_settings import RegistryClientSettings


def _noop(_text: str) -> None:
    return None


async def test_list_show_and_propose_close_example_b(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with embedded_stack(tmp_path) as stack:
        await seed_registry(stack, _noop)
        await run_chain(extractor_event(example_b()), stage_deps(stack), await_verdict=verdict_hook(stack))
        await stack.settle()
        [case] = await open_cases(stack, GDP)

        database = ["drift", "--database-url", stack.database_url("drift_detector")]
        capsys.readouterr()
        assert await asyncio.to_thread(main, [*database, "list", "--json"]) == 0
        listed = json.loads(capsys.readouterr().out)
        assert [(c["case_id"], c["state"]) for c in listed] == [(case.case_id, "open")]
        assert await asyncio.to_thread(main, [*database, "show", case.case_id]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert shown["fields"][0]["pointer"] == "/invoice_region_code"
        assert shown["runs"][0]["quarantine_uri"].startswith("s3://warehouse/quarantine/")
        assert await asyncio.to_thread(main, [*database, "show", "no-such-case"]) == 1

        settings = DriftSettings(
            database=DatabaseSettings(url=SecretStr(stack.database_url("drift_detector"))),
            objects=ObjectStoreSettings(kind="local", root=str(tmp_path / "objects")),
            registry=RegistryClientSettings(url=REGISTRY_URL, token=SecretStr(stack.tokens[Role.PUBLISHER])),
        )
        asgi = httpx.ASGITransport(app=stack.registry.app)
        dry, nothing = await propose_case(settings, case.case_id, submit=False, transport=asgi)
        assert nothing is None
        assert dry.acceptable
        assert str(dry.suggested) == "finance.gdp.invoice:v1.2"

        _, answer = await propose_case(settings, case.case_id, submit=True, transport=asgi)
        assert answer is not None
        assert (answer["status"], answer["fqid"]) == ("pending", "finance.gdp.invoice:v1.2")
        assert answer["proposal"]["covers_drift_cases"] == [case.case_id]
        await stack.settle()
        published = [e for e in stack.events() if e.detail_type == "SchemaPublished"]
        assert all(str(e.detail.fqid) != "finance.gdp.invoice:v1.2" for e in published), "held by the gate"

        await stack.approve(answer["proposal"]["id"], "drift fix")
        [resolved] = [c for c in await _cases(stack) if c.case_id == case.case_id]
        assert resolved.state is CaseState.RESOLVED


async def _cases(stack: EmbeddedStack) -> list[DriftCase]:
    async with stack.drift_engine.connect() as conn:
        return await CaseStore().all_cases(conn)
