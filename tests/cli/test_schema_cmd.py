"""`schemaline schema diff|check`: exit codes, the JSON shape, bad inputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from schemaline.cli.main import main

OLD: dict[str, Any] = {"type": "object", "properties": {"amount": {"type": "number", "maximum": 10}}}
WIDER = {"type": "object", "properties": {"amount": {"type": "number", "maximum": 20}}}
NARROWER = {
    "type": "object",
    "properties": {"amount": {"type": "number", "maximum": 5}, "region": {"type": "string"}},
    "required": ["region"],
}


def _write(tmp_path: Path, name: str, content: Any) -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return str(path)


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    out = capsys.readouterr().out
    document: dict[str, Any] = json.loads(out)
    return document


def test_diff_compatible_exits_0_with_the_exact_json_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["schema", "diff", _write(tmp_path, "a.json", OLD), _write(tmp_path, "b.json", WIDER), "--json"]
    )
    document = _json(capsys)
    assert code == 0
    assert document == {
        "compatible": True,
        "level": "BACKWARD",
        "policy": "strict",
        "changes": [
            {
                "type": "MAXIMUM_INCREASED",
                "path": "#/properties/amount",
                "keyword": "#/properties/amount/maximum",
                "direction": "backward",
                "compatible": True,
                "message": "`maximum` raised from 10 to 20",
                "suggestion": None,
            }
        ],
    }


def test_diff_incompatible_exits_1_and_lists_changes_in_traversal_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["schema", "diff", _write(tmp_path, "a.json", OLD), _write(tmp_path, "b.json", NARROWER), "--json"]
    assert main(args) == 1
    document = _json(capsys)
    assert document["compatible"] is False
    assert [(c["type"], c["path"]) for c in document["changes"]] == [
        ("MAXIMUM_DECREASED", "#/properties/amount"),
        ("REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "#/properties/region"),
    ]
    assert all(c["suggestion"] for c in document["changes"])
    assert set(document["changes"][0]) == {
        "type", "path", "keyword", "direction", "compatible", "message", "suggestion"
    }  # fmt: skip


def test_diff_level_and_policy_change_the_verdict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = _write(tmp_path, "a.json", OLD)
    new = _write(tmp_path, "b.json", {**OLD, "properties": {**OLD["properties"], "note": {"type": "string"}}})
    assert main(["schema", "diff", old, new, "--json"]) == 1
    assert _json(capsys)["changes"][0]["type"] == "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
    assert main(["schema", "diff", old, new, "--json", "--policy", "lenient"]) == 0
    assert _json(capsys)["policy"] == "lenient"
    assert main(["schema", "diff", old, new, "--json", "--level", "forward"]) == 0
    assert _json(capsys)["level"] == "FORWARD"
    assert main(["schema", "diff", old, new, "--json", "--level", "NONE"]) == 0
    capsys.readouterr()


def test_diff_labels_each_change_in_the_levels_directions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    number = _write(tmp_path, "n.json", {"type": "number"})
    integer = _write(tmp_path, "i.json", {"type": "integer"})
    # number → integer: old readers accept every integer (FORWARD ok), new readers reject 1.5.
    assert main(["schema", "diff", number, integer, "--json", "--level", "FORWARD"]) == 0
    forward = _json(capsys)["changes"]
    assert [(c["type"], c["direction"], c["compatible"]) for c in forward] == [
        ("TYPE_EXTENDED", "forward", True)
    ]
    assert main(["schema", "diff", number, integer, "--json", "--level", "FULL"]) == 1
    full = _json(capsys)["changes"]
    assert [(c["direction"], c["compatible"]) for c in full] == [("backward", False), ("forward", True)]
    # an enum widened: compatible backward, breaking forward; the labels follow the verdict
    narrow, wide = (
        _write(tmp_path, "e1.json", {"enum": ["a"]}),
        _write(tmp_path, "e2.json", {"enum": ["a", "b"]}),
    )
    assert main(["schema", "diff", narrow, wide, "--json", "--level", "FORWARD"]) == 1
    assert [(c["type"], c["compatible"]) for c in _json(capsys)["changes"]] == [
        ("ENUM_ARRAY_NARROWED", False)
    ]
    assert main(["schema", "diff", narrow, wide, "--level", "FORWARD"]) == 1
    table = capsys.readouterr().out
    assert "BREAKS" in table
    assert "FORWARD (strict): incompatible" in table


def test_check_against_history_is_transitive_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    v1 = _write(tmp_path, "v1.json", {**OLD, "properties": {"amount": {"type": "integer"}}})
    v2 = _write(tmp_path, "v2.json", {**OLD, "properties": {"amount": {"type": "number", "maximum": 100}}})
    new = _write(tmp_path, "v3.json", {**OLD, "properties": {"amount": {"type": "number", "maximum": 200}}})
    assert main(["schema", "check", new, "--history", v1, v2, "--json"]) == 0
    assert main(["schema", "check", new, "--history", v1, v2, "--level", "FULL_TRANSITIVE", "--json"]) == 1
    capsys.readouterr()
    assert main(["schema", "check", new, "--history", v1, v2, "--level", "FULL_TRANSITIVE", "--json"]) == 1
    types = [c["type"] for c in _json(capsys)["changes"]]
    assert "TYPE_NARROWED" in types  # v3's numbers do not all fit v1's integers
    assert "MAXIMUM_DECREASED" in types  # v3's 150 does not fit v2


def test_the_readable_table_names_the_change_and_the_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["schema", "diff", _write(tmp_path, "a.json", OLD), _write(tmp_path, "b.json", NARROWER)]) == 1
    )
    out = capsys.readouterr().out
    assert "MAXIMUM_DECREASED" in out
    assert "BACKWARD (strict): incompatible" in out


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "is not JSON"),
        ('{"type": 5}', "#/type"),
        ('{"properties": {"a": {"minimum": "x"}}}', "#/properties/a/minimum"),
        ('{"pattern": "("}', "#/pattern"),
        ('{"$ref": "#/$defs/missing"}', "#/$ref"),
        ('{"$schema": "http://json-schema.org/draft-04/schema#"}', "not supported"),
        ("[1, 2]", "a schema is an object or a boolean"),
        ('{"properties": {"a": {"maximum": 100000000000000000000000}}}', "#/properties/a/maximum"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, reason: str
) -> None:
    bad = _write(tmp_path, "bad.json", content)
    assert main(["schema", "diff", _write(tmp_path, "a.json", OLD), bad, "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert reason in captured.err
    assert "Traceback" not in captured.err
    assert captured.err.startswith("schemaline: ")


def test_unreadable_files_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "diff", str(tmp_path / "missing.json"), str(tmp_path / "missing.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
    history = _write(tmp_path, "h.json", OLD)
    assert main(["schema", "check", str(tmp_path), "--history", history]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["schema", "diff", "a.json", "b.json", "--level", "SIDEWAYS"])
    assert exit_info.value.code == 2
