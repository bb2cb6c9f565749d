"""`schemaline jobs lint`: exit 0 when every job declares its schema, 1 naming each that does not,
2 for files that cannot be read as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from schemaline.cli.main import main
from schemaline.pipelines.seed import jobs_dir

GOOD = json.loads((jobs_dir() / "finance_gdp_transform.json").read_text())


def job(tmp_path: Path, name: str, **arguments: Any) -> Path:
    body = dict(GOOD, Name=name, DefaultArguments={"--output-path": "s3://warehouse/x/", **arguments})
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(body))
    return path


def test_the_shipped_definitions_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jobs", "lint", str(jobs_dir())]) == 0
    out = capsys.readouterr().out
    assert "'finance_kpi_aggregation' declares finance.kpi.invoice_daily:^1" in out
    assert out.count(" declares ") == 3


def test_the_default_path_is_pipelines_jobs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(jobs_dir().parents[1])
    assert main(["jobs", "lint"]) == 0
    assert "finance_raw_ingest" in capsys.readouterr().out


@pytest.mark.parametrize(
    "declared", ["finance.gdp.invoice:v1.1", "finance.kpi.invoice_daily:^1", "a.raw.b:latest"]
)
def test_fqids_and_selectors_are_accepted(tmp_path: Path, declared: str) -> None:
    job(tmp_path, "ok", **{"--schema-fqid": declared})
    assert main(["jobs", "lint", str(tmp_path)]) == 0


def test_missing_and_malformed_declarations_exit_1_naming_each_job(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job(tmp_path, "fine", **{"--schema-fqid": "finance.gdp.invoice:v1.1"})
    job(tmp_path, "undeclared")
    job(tmp_path, "malformed", **{"--schema-fqid": "finance.gdp.invoice"})
    job(tmp_path, "bad_layer", **{"--schema-fqid": "finance.silver.invoice:v1.0"})
    assert main(["jobs", "lint", str(tmp_path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    offending = [line for line in lines if " declares " not in line or "declares no schema" in line]
    assert len(offending) == 3
    assert any("'undeclared' declares no schema" in line and "--schema-fqid" in line for line in offending)
    assert any("'malformed'" in line and "malformed" in line and "has no ':'" in line for line in offending)
    assert any("'bad_layer'" in line and "layer 'silver'" in line for line in offending)
    assert any("'fine' declares finance.gdp.invoice:v1.1" in line for line in lines)


def test_a_job_without_default_arguments_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bare.json"
    path.write_text(json.dumps({"Name": "bare", "Command": GOOD["Command"]}))
    assert main(["jobs", "lint", str(path)]) == 1
    assert "'bare' has no DefaultArguments" in capsys.readouterr().out


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", b"\xff\xfe"])
def test_unreadable_or_non_json_files_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes
) -> None:
    job(tmp_path, "fine", **{"--schema-fqid": "finance.gdp.invoice:v1.1"})
    path = tmp_path / "broken.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert main(["jobs", "lint", str(tmp_path)]) == 2
    assert "broken.json" in capsys.readouterr().err


def test_a_missing_path_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jobs", "lint", str(tmp_path / "nope.json")]) == 2
    assert "nope.json" in capsys.readouterr().err


def test_an_empty_folder_exits_2(tmp_path: Path) -> None:
    assert main(["jobs", "lint", str(tmp_path)]) == 2
