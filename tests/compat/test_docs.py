"""docs/compatibility.md lists every change type with its classification under each policy."""

from __future__ import annotations

from pathlib import Path

from schemaline.sdk.compat.types import TABLE

DOC = Path(__file__).resolve().parents[2] / "docs" / "compatibility.md"


def _word(compatible: bool) -> str:
    return "compatible" if compatible else "**incompatible**"


def test_every_change_type_is_documented_with_its_classification() -> None:
    rows = {
        line.split("|")[1].strip(" `"): line
        for line in DOC.read_text(encoding="utf-8").splitlines()
        if line.startswith("| `")
    }
    for name, rule in TABLE.items():
        assert name in rows, f"{name} missing from {DOC.name}"
        cells = [cell.strip() for cell in rows[name].split("|")]
        assert cells[2:4] == [_word(rule.strict), _word(rule.lenient)], name
