"""`schemaline lineage …` on a SQLite lineage database."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from schemaline.cli.main import main
from schemaline.lineage_writer.rows import to_rows
from schemaline.lineage_writer.sql_store import SqlLineageSink, create_schema
from schemaline.runtime.db import create_engine
from tests.lineage import example_a as ex


async def _fill(url: str) -> None:
    engine = create_engine(url)
    await create_schema(engine)
    await SqlLineageSink(engine).insert_batch([to_rows(e) for e in ex.example_a() + ex.drift_and_rerun()])
    await engine.dispose()


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path}/lineage.db"
    asyncio.run(_fill(url))
    return url


def test_run_trace(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lineage", "--database-url", database, "run", "jr-gdp-0002"]) == 0
    trace = json.loads(capsys.readouterr().out)
    assert trace["run"]["status"] == "drift_resolved"
    assert [r["run_id"] for r in trace["reruns"]] == ["jr-gdp-0002-r1"]
    assert main(["lineage", "--database-url", database, "run", "jr-missing"]) == 1
    assert "no lineage recorded for run jr-missing" in capsys.readouterr().err


def test_dataset_and_runs(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lineage", "--database-url", database, "dataset", "s3://warehouse/raw/invoice/"]) == 0
    lineage = json.loads(capsys.readouterr().out)
    assert [hop["run_id"] for hop in lineage["upstream"]] == ["jr-raw-0001", "jr-ext-0001"]
    assert [hop["run_id"] for hop in lineage["downstream"]][:1] == ["jr-gdp-0001"]
    window = ["--since", "2025-10-07T06:30:00Z", "--until", "2025-10-07T08:00:00Z"]
    assert main(["lineage", "--database-url", database, "runs", "finance_gdp_transform", *window]) == 0
    assert [r["run_id"] for r in json.loads(capsys.readouterr().out)] == ["jr-gdp-0002", "jr-gdp-0002-r1"]
    assert main(["lineage", "--database-url", database, "runs", "x", "--since", "yesterday"]) == 2


def test_export_json_lines(database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "events.jsonl"
    assert (
        main(
            [
                "lineage",
                "--database-url",
                database,
                "export",
                "--pipeline",
                "finance_kpi_aggregate",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [e["eventType"] for e in lines] == ["START", "COMPLETE"]
    assert "2 OpenLineage events" in capsys.readouterr().out
    assert main(["lineage", "--database-url", database, "export"]) == 2
