"""`schemaline demo` from a user's seat: one command, exit 0, the story told."""

import subprocess
import sys
from pathlib import Path


def test_the_demo_runs_both_examples_and_reports_nothing_lost(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "schemaline.cli", "demo", "--workdir", str(workdir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for expected in (
        "Example A — normal flow",
        "Example B — drift detection",
        "SchemaDriftDetected",
        "held by the gate",
        "finance.gdp.invoice:v1.2 is live",
        "DriftResolved",
        "Lineage (the seed's six fields per run)",
        "Quarantine",
        "0 lost.",
    ):
        assert expected in out, f"{expected!r} missing from the demo's output"
    assert "Traceback" not in out + done.stderr
    quarantined = list((workdir / "objects" / "warehouse" / "quarantine").rglob("*.jsonl"))
    assert len(quarantined) == 1
