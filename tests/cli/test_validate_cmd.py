"""`schemaline validate`: exit codes, the --json shape and the human summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schemaline.cli.main import main

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "amount"],
    "properties": {"id": {"type": "string"}, "amount": {"type": "number", "minimum": 0}},
}


@pytest.fixture
def schema_file(tmp_path: Path) -> Path:
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(SCHEMA))
    return path


def data_file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "data.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    return path


def test_all_valid_exits_0_with_a_summary(
    schema_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = data_file(tmp_path, '{"id": "a", "amount": 1}', '{"id": "b", "amount": 2.5}')
    assert main(["validate", str(schema_file), str(data)]) == 0
    assert "2 records — 2 valid, 0 drift, 0 invalid" in capsys.readouterr().out


def test_json_output_has_every_record_profile_and_counts(
    schema_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = data_file(
        tmp_path,
        '{"id": "a", "amount": 1}',
        '{"id": "b", "amount": -1}',
        "",
        "{oops",
        '{"id": 3, "amount": 1, "extra": true}',
    )
    assert main(["validate", str(schema_file), str(data), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"records", "profile", "counts"}
    assert out["counts"] == {"valid": 1, "drift": 1, "invalid": 2}
    assert out["records"][0] == {"index": 0, "class": "valid", "errors": []}
    assert out["records"][1]["class"] == "invalid"
    assert out["records"][1]["errors"] == [
        {"pointer": "/amount", "rule": "minimum", "message": "-1 is less than the minimum of 0"}
    ]
    assert out["records"][2]["class"] == "invalid"
    assert [e["rule"] for e in out["records"][2]["errors"]] == ["json"]
    assert out["records"][3]["class"] == "drift"
    assert {(e["pointer"], e["rule"]) for e in out["records"][3]["errors"]} == {
        ("/id", "type"),
        ("/extra", "additionalProperties"),
    }
    assert [r["index"] for r in out["records"]] == [0, 1, 2, 3]
    for record in out["records"]:
        assert set(record) == {"index", "class", "errors"}
    assert out["profile"]["fields"]["/id"]["types"] == {"string": 2, "integer": 1}
    assert [u["pointer"] for u in out["profile"]["unexpected"]] == ["/extra"]


def test_the_summary_shows_the_first_errors_in_a_table(
    schema_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = data_file(tmp_path, '{"id": "a"}', '{"id": "b", "amount": "x"}')
    assert main(["validate", str(schema_file), str(data)]) == 1
    out = capsys.readouterr().out
    assert "2 records — 0 valid, 2 drift, 0 invalid" in out
    assert "/amount" in out
    assert "required" in out
    assert "type_changed" in out


@pytest.mark.parametrize(
    ("schema_text", "message"),
    [
        (None, "cannot read schema"),
        ("{not json", "is not JSON"),
        ('{"type": "objekt"}', "not a usable JSON Schema"),
        ("[1, 2]", "not a usable JSON Schema"),
    ],
)
def test_a_bad_schema_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], schema_text: str | None, message: str
) -> None:
    schema = tmp_path / "schema.json"
    if schema_text is not None:
        schema.write_text(schema_text)
    data = data_file(tmp_path, "{}")
    assert main(["validate", str(schema), str(data)]) == 2
    assert message in capsys.readouterr().err


def test_unreadable_data_exits_2(
    schema_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(schema_file), str(tmp_path / "missing.jsonl")]) == 2
    assert "cannot read data" in capsys.readouterr().err
    assert main(["validate", str(schema_file), str(tmp_path)]) == 2


def test_an_empty_file_has_no_records_and_exits_0(
    schema_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = data_file(tmp_path)
    assert main(["validate", str(schema_file), str(data), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["records"] == []
    assert out["counts"] == {"valid": 0, "drift": 0, "invalid": 0}
