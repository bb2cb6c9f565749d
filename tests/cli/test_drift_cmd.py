"""`schemaline drift …` against the drift detector's API over the embedded stack: list, show, propose, ack."""

import asyncio
import json
from pathlib import Path

import pytest

from schemaline.cli.main import main
from schemaline.cli.scenarios import GDP, open_cases, seed_registry, stage_deps, verdict_hook
from schemaline.cli.stack import EmbeddedStack, embedded_stack
from schemaline.drift_detector.cases import CaseState, CaseStore, DriftCase
from schemaline.drift_detector.spec import SPEC as DRIFT
from schemaline.pipelines.runner import run_chain
from schemaline.pipelines.source import example_b, extractor_event
from schemaline.runtime.settings import Role
from tests.support.serving import serve


def _noop(_text: str) -> None:
    return None


async def test_list_show_propose_and_ack_close_example_b(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with embedded_stack(tmp_path) as stack, serve(stack.services[DRIFT.name].app) as url:
        await seed_registry(stack, _noop)
        await run_chain(extractor_event(example_b()), stage_deps(stack), await_verdict=verdict_hook(stack))
        await stack.settle()
        [case] = await open_cases(stack, GDP)
        monkeypatch.setenv("SCHEMALINE_TOKEN", stack.tokens[Role.PUBLISHER])

        async def drift(*args: str) -> int:
            return await asyncio.to_thread(main, ["drift", *args, "--url", url])

        capsys.readouterr()
        assert await drift("list", "--json") == 0
        listed = json.loads(capsys.readouterr().out)
        assert [(c["case_id"], c["state"]) for c in listed] == [(case.case_id, "open")]
        assert await drift("list") == 0
        assert capsys.readouterr().out.startswith("1 drift case(s)\ncase_id")
        assert await drift("show", case.case_id, "--json") == 0
        shown = json.loads(capsys.readouterr().out)
        assert shown["fields"][0]["pointer"] == "/invoice_region_code"
        assert shown["runs"][0]["quarantine_uri"].startswith("s3://warehouse/quarantine/")
        assert await drift("show", "no-such-case") == 2

        assert await drift("propose", case.case_id, "--dry-run", "--json") == 0
        dry = json.loads(capsys.readouterr().out)
        assert (dry["accepts_all"], dry["suggested_fqid"], dry["submitted"]) == (
            True,
            "finance.gdp.invoice:v1.2",
            None,
        )
        assert await drift("propose", case.case_id, "--json") == 0
        submitted = json.loads(capsys.readouterr().out)["submitted"]
        assert (submitted["status"], submitted["fqid"]) == ("pending", "finance.gdp.invoice:v1.2")
        assert submitted["proposal"]["proposed_by"] == "demo-publisher"
        await stack.settle()
        published = [e for e in stack.events() if e.detail_type == "SchemaPublished"]
        assert all(str(e.detail.fqid) != "finance.gdp.invoice:v1.2" for e in published), "held by the gate"

        assert await drift("ack", case.case_id, "--note", "on it") == 0
        assert f"case {case.case_id} acknowledged" in capsys.readouterr().out

        await stack.approve(submitted["proposal"]["id"], "drift fix")
        [resolved] = [c for c in await _cases(stack) if c.case_id == case.case_id]
        assert resolved.state is CaseState.RESOLVED
        assert await drift("ack", case.case_id) == 1, "a resolved case cannot be acknowledged"


async def _cases(stack: EmbeddedStack) -> list[DriftCase]:
    async with stack.drift_engine.connect() as conn:
        return await CaseStore().all_cases(conn)
