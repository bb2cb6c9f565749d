"""The fault suite runs only through `make faults` (SCHEMALINE_FAULTS=1): it takes minutes, not seconds.

Each test records its figures (sent, lost, duplicated, recovery seconds); the run ends with the table
that docs/reliability.md keeps, and writes it as JSON lines to .schemaline/faults.jsonl.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.stack import Figures

collect_ignore_glob = [] if os.environ.get("SCHEMALINE_FAULTS") else ["test_*.py"]
RECORDED: list[Figures] = []


@pytest.fixture
def record() -> Iterator[list[Figures]]:
    rows: list[Figures] = []
    yield rows
    RECORDED.extend(rows)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not RECORDED:
        return
    out = Path(".schemaline/faults.jsonl")
    out.parent.mkdir(exist_ok=True)
    with out.open("a") as lines:
        for row in RECORDED:
            lines.write(row.line() + "\n")
    terminalreporter.write_line("")
    terminalreporter.write_line("| fault | service | sent | lost | duplicated | recovery s | note |")
    terminalreporter.write_line("|---|---|---:|---:|---:|---:|---|")
    for row in RECORDED:
        terminalreporter.write_line(
            f"| {row.fault} | {row.service} | {row.sent} | {row.lost} | {row.duplicated} "
            f"| {row.recovery_s:.1f} | {row.note} |"
        )
