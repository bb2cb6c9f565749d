"""`schemaline slo` over the lineage API of the embedded stack: Example A measures all five levels
and meets every target; Example B's drift misses two (exit 1); a window before both has no data."""

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from schemaline.cli.main import main
from schemaline.cli.scenarios import run_example_a, run_example_b, seed_registry
from schemaline.cli.stack import embedded_stack
from schemaline.lineage_writer.spec import SPEC as LINEAGE
from schemaline.runtime.settings import Role
from tests.support.serving import serve

NAMES = [
    "pipeline.validation_success_rate",
    "pipeline.drift_events",
    "pipeline.runtime_validation_latency_ms",
    "schema.resolver_latency_ms",
    "pipeline.failure_rate",
]


def _noop(_text: str) -> None:
    return None


def _levels(report: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {m["name"]: (m["value"], m["met"]) for m in report["metrics"]}


async def test_slo_reports_the_five_levels_against_their_targets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with embedded_stack(tmp_path) as stack, serve(stack.services[LINEAGE.name].app) as url:
        monkeypatch.setenv("SCHEMALINE_TOKEN", stack.tokens[Role.RUNNER])

        async def slo(*args: str) -> tuple[int, dict[str, Any]]:
            capsys.readouterr()
            code = await asyncio.to_thread(main, ["slo", *args, "--url", url, "--json"])
            return code, json.loads(capsys.readouterr().out)

        await seed_registry(stack, _noop)
        await run_example_a(stack, _noop)
        await stack.settle()
        code, report = await slo()
        assert [m["name"] for m in report["metrics"]] == NAMES
        assert code == 0
        assert report["metrics"][0] == {
            "name": "pipeline.validation_success_rate",
            "value": 100.0,
            "target": "> 99 %",
            "met": True,
        }
        levels = _levels(report)
        assert levels["pipeline.drift_events"] == (0, True)
        latency, met = levels["pipeline.runtime_validation_latency_ms"]
        assert latency > 0
        assert met is True
        # The stage runs' time in schema resolves, as their BatchLanded `execution` states it.
        resolving, met = levels["schema.resolver_latency_ms"]
        assert 0 < resolving <= 200
        assert met is True
        assert levels["pipeline.failure_rate"] == (0.0, True)
        assert all(m["value"] is not None and m["met"] is not None for m in report["metrics"])

        await run_example_b(stack, _noop)
        await stack.settle()
        code, report = await slo()
        levels = _levels(report)
        assert code == 1
        # A: 4 passing verdicts; B: 3 passing, GDP's drift, and the re-run of its quarantined records.
        assert levels["pipeline.validation_success_rate"] == (round(100 * 8 / 9, 3), False)
        assert levels["pipeline.drift_events"] == (1, False)
        assert all(m["value"] is not None for m in report["metrics"]), "B's runs still time all five"
        assert levels["schema.resolver_latency_ms"][1] is True

        before = datetime.now(UTC) - timedelta(days=3)
        code, report = await slo(
            "--since", before.isoformat(), "--until", (before + timedelta(hours=1)).isoformat()
        )
        assert code == 0
        assert report["window"]["since"].startswith(before.isoformat()[:16])
        assert [m["met"] for m in report["metrics"]] == [None, True, None, None, None]

        capsys.readouterr()
        assert await asyncio.to_thread(main, ["slo", "--url", url]) == 1
        text = capsys.readouterr().out
        assert "pipeline.drift_events" in text
        assert "MISSED" in text
        assert (
            await asyncio.to_thread(
                main, ["slo", "--url", url, "--since", "2026-01-02", "--until", "2026-01-01"]
            )
            == 2
        )
