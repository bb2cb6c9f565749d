"""The shipped Glue and Lambda definitions are valid AWS requests (botocore's own request shapes),
on runtimes the code runs on; `schemaline jobs lint` refuses runtimes it cannot run on."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import botocore.session  # type: ignore[import-untyped]
import pytest
from botocore.validate import ParamValidator  # type: ignore[import-untyped]

from schemaline.cli.main import main
from schemaline.pipelines.jobdefs import MIN_PYTHON, definition_files, load
from schemaline.pipelines.seed import jobs_dir

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "pipelines" / "functions"
JOBS = sorted(definition_files([jobs_dir()]))
LAMBDAS = sorted(definition_files([FUNCTIONS]))
_BOTO = botocore.session.get_session()


def _report(service: str, operation: str, body: dict[str, Any]) -> str:
    shape = _BOTO.get_service_model(service).operation_model(operation).input_shape
    report = ParamValidator().validate(body, shape)
    return str(report.generate_report()) if report.has_errors() else ""


@pytest.mark.parametrize("path", JOBS, ids=lambda p: p.stem)
def test_job_definitions_are_create_job_requests_for_glue_5(path: Path) -> None:
    body = json.loads(path.read_text())
    assert _report("glue", "CreateJob", body) == ""
    assert body["GlueVersion"] == "5.0"
    assert body["Command"]["Name"] == "glueetl"
    assert load(path).problems() == []


@pytest.mark.parametrize("path", LAMBDAS, ids=lambda p: p.stem)
def test_function_definitions_are_create_function_requests_on_python_311_or_later(path: Path) -> None:
    body = json.loads(path.read_text())
    assert _report("lambda", "CreateFunction", body) == ""
    assert body["Runtime"] in {"python3.11", "python3.12"}
    assert body["Layers"], "the validation layer"
    assert load(path).problems() == []


def test_the_validator_rejects_a_malformed_request() -> None:
    """ParamValidator is a real check: a wrong type or an unknown key fails."""
    body = json.loads(JOBS[0].read_text()) | {"NumberOfWorkers": "two", "Workers": 2}
    assert "NumberOfWorkers" in _report("glue", "CreateJob", body)
    assert "Workers" in _report("glue", "CreateJob", body)


def test_min_python_is_the_packages_requires_python() -> None:
    for package in ("pipelines", "shared/contracts", "shared/sdk"):
        project = tomllib.loads((ROOT / package / "pyproject.toml").read_text())["project"]
        assert project["requires-python"] == f">={MIN_PYTHON[0]}.{MIN_PYTHON[1]}", package


def _write(tmp_path: Path, name: str, body: dict[str, Any]) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(body))
    return path


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (
            {"Command": {"Name": "pythonshell", "ScriptLocation": "s3://a/b.py", "PythonVersion": "3.9"}},
            "Python 3.9",
        ),
        ({"GlueVersion": "4.0"}, "GlueVersion 4.0 runs Python 3.10"),
        ({"GlueVersion": "3.0"}, "GlueVersion 3.0 runs Python 3.7"),
        ({"Command": {"Name": "glueray", "ScriptLocation": "s3://a/b.py"}}, "Ray job runs Python 3.9"),
    ],
    ids=["pythonshell-3.9", "glue-4.0", "glue-3.0", "ray"],
)
def test_lint_rejects_a_glue_runtime_the_code_cannot_run_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, Any], said: str
) -> None:
    body = json.loads(JOBS[0].read_text()) | change
    path = _write(tmp_path, "old_runtime", body)
    assert main(["jobs", "lint", str(path)]) == 1
    out = capsys.readouterr().out
    assert said in out
    assert ">= 3.11" in out


@pytest.mark.parametrize(
    ("runtime", "code"), [("python3.9", 1), ("nodejs20.x", 1), ("python3.11", 0), ("python3.12", 0)]
)
def test_lint_checks_the_lambda_runtime_and_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], runtime: str, code: int
) -> None:
    body = json.loads(LAMBDAS[0].read_text()) | {"Runtime": runtime}
    assert main(["jobs", "lint", str(_write(tmp_path, "fn", body))]) == code
    out = capsys.readouterr().out
    if code:
        assert f"{runtime}" in out
    else:
        assert "declares finance.extractor.invoice:v1.0" in out


def test_lint_requires_a_lambda_to_declare_its_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = json.loads(LAMBDAS[0].read_text())
    body["Environment"]["Variables"].pop("SCHEMALINE_SCHEMA_FQID")
    assert main(["jobs", "lint", str(_write(tmp_path, "fn", body))]) == 1
    assert "SCHEMALINE_SCHEMA_FQID" in capsys.readouterr().out


def test_the_default_lint_covers_jobs_and_functions(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["jobs", "lint"]) == 0
    assert capsys.readouterr().out.count(" declares ") == len(JOBS) + len(LAMBDAS)
