"""`schemaline lineage …` against the lineage API (SQLite), served on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from schemaline.cli.main import main
from schemaline.lineage_writer.api import create_app
from schemaline.lineage_writer.openlineage import RunEventBuilder
from schemaline.lineage_writer.rows import to_rows
from schemaline.lineage_writer.sql_store import SqlLineageReader, SqlLineageSink, create_schema
from schemaline.runtime.bus import EventBus, InMemoryTransport
from schemaline.runtime.db import create_engine
from schemaline.runtime.settings import Role
from tests.lineage import example_a as ex
from tests.support.api import tokens
from tests.support.registry import TOKENS
from tests.support.serving import serve


@pytest.fixture
async def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/lineage.db")
    await create_schema(engine)
    await SqlLineageSink(engine).insert_batch([to_rows(e) for e in ex.example_a() + ex.drift_and_rerun()])
    app = create_app(
        reader=SqlLineageReader(engine),
        builder=RunEventBuilder(namespace="schemaline", producer="https://schemaline.dev/lw"),
        tokens=tokens(),
        bus=EventBus(InMemoryTransport()),
    )
    monkeypatch.setenv("SCHEMALINE_TOKEN", TOKENS[Role.RUNNER])
    async with serve(app) as base:
        yield base
    await engine.dispose()


async def lineage(url: str, *args: str) -> int:
    return await asyncio.to_thread(main, ["lineage", *args, "--url", url])


async def test_run_trace(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert await lineage(url, "run", "jr-gdp-0002", "--json") == 0
    trace = json.loads(capsys.readouterr().out)
    assert trace["run"]["status"] == "drift_resolved"
    assert [r["run_id"] for r in trace["reruns"]] == ["jr-gdp-0002-r1"]
    assert await lineage(url, "run", "jr-gdp-0002") == 0
    assert "status: drift_resolved" in capsys.readouterr().out
    assert await lineage(url, "run", "jr-missing") == 2
    assert "no lineage recorded for run jr-missing" in capsys.readouterr().err


async def test_a_runs_trace_shows_its_execution(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert await lineage(url, "run", "jr-gdp-0001", "--json") == 0
    trace = json.loads(capsys.readouterr().out)
    assert trace["execution"]["duration_ms"] == 90_000.0
    assert (trace["execution"]["records_in"], trace["execution"]["code_version"]) == (1000, "0.1.0")
    assert trace["inputs"] == ["s3://warehouse/raw/invoice/2025/10/07/"]
    assert await lineage(url, "run", "jr-gdp-0001") == 0
    out = capsys.readouterr().out
    assert "duration_ms: 90000.0" in out
    assert "code_version: 0.1.0" in out
    assert "records_in: 1000" in out


async def test_a_kpi_outputs_upstream_reaches_the_source(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await lineage(url, "dataset", ex.KPI_OUT, "--upstream", "--json") == 0
    walk = json.loads(capsys.readouterr().out)
    assert "downstream" not in walk
    runs = [hop["run_id"] for hop in walk["upstream"]]
    assert (runs[0], runs[-1]) == ("jr-kpi-0001", "jr-ext-0001")
    assert {"jr-gdp-0001", "jr-raw-0001"} <= set(runs)
    assert walk["upstream"][-1]["inputs"] == [ex.SOURCE]
    assert await lineage(url, "dataset", ex.KPI_OUT, "--upstream") == 0
    out = capsys.readouterr().out
    assert "upstream:" in out
    assert "downstream:" not in out


async def test_dataset_and_runs(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert await lineage(url, "dataset", "s3://warehouse/raw/invoice/", "--json") == 0
    walk = json.loads(capsys.readouterr().out)
    assert [hop["run_id"] for hop in walk["upstream"]] == ["jr-raw-0001", "jr-ext-0001"]
    assert [hop["run_id"] for hop in walk["downstream"]][:1] == ["jr-gdp-0001"]
    window = ("--since", "2025-10-07T06:30:00Z", "--until", "2025-10-07T08:00:00Z")
    assert await lineage(url, "runs", "finance_gdp_transform", *window, "--json") == 0
    assert [r["run_id"] for r in json.loads(capsys.readouterr().out)] == ["jr-gdp-0002", "jr-gdp-0002-r1"]
    assert await lineage(url, "runs", "x", "--since", "yesterday") == 2


async def test_export_json_lines(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "events.jsonl"
    assert await lineage(url, "export", "--pipeline", "finance_kpi_aggregate", "--out", str(out)) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [e["eventType"] for e in lines] == ["START", "COMPLETE"]
    assert "2 OpenLineage events" in capsys.readouterr().out
    assert await lineage(url, "export", "--pipeline", "finance_kpi_aggregate", "--out", str(out)) == 2
    assert "exists" in capsys.readouterr().err
    assert await lineage(url, "export") == 2


async def test_redrive_needs_a_publisher(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await lineage(url, "redrive") == 2
    assert "role runner may not operate" in capsys.readouterr().err
    monkeypatch.setenv("SCHEMALINE_TOKEN", TOKENS[Role.PUBLISHER])
    assert await lineage(url, "redrive", "--json") == 0
    assert json.loads(capsys.readouterr().out) == {"republished": 0, "unreadable": 0}


async def test_runs_rerun_asks_the_lineage_api_as_a_publisher(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    command = ["runs", "rerun", "jr-gdp-0001", "--fqid", "finance.gdp.invoice:v1.2", "--url", url]
    assert await asyncio.to_thread(main, command) == 2
    assert "role runner may not operate" in capsys.readouterr().err
    monkeypatch.setenv("SCHEMALINE_TOKEN", TOKENS[Role.PUBLISHER])
    assert await asyncio.to_thread(main, [*command, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["original_run_id"], answer["schema_fqid"]) == ("jr-gdp-0001", "finance.gdp.invoice:v1.2")
    assert answer["inputs"] == ["s3://warehouse/raw/invoice/2025/10/07/"]
    assert await asyncio.to_thread(main, command) == 0
    assert "re-run of jr-gdp-0001 requested as run jr-" in capsys.readouterr().out
    missing = ["runs", "rerun", "jr-missing", "--fqid", "finance.gdp.invoice:v1.2", "--url", url]
    assert await asyncio.to_thread(main, missing) == 2
