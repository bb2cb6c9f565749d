"""`schemaline demo` from a user's seat: one command, exit 0, the story told."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx


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


def test_demo_console_serves_the_console_until_interrupted(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "schemaline.cli", "demo", "--workdir", str(tmp_path / "demo")]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        [*command, "--console", "--console-port", "0"], stdout=subprocess.PIPE, text=True, env=env
    ) as demo:
        assert demo.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 120
        url = None
        while url is None and time.monotonic() < deadline:
            line = demo.stdout.readline()
            assert line, "the demo ended before serving the console:\n" + "".join(lines)
            lines.append(line)
            found = re.search(r"Console: (http://127\.0\.0\.1:\d+/)", line)
            url = found.group(1) if found else None
        assert url is not None
        tokens = {}
        for line in (demo.stdout.readline() for _ in range(4)):
            parts = line.split()
            if len(parts) == 2 and parts[0] in ("runner", "publisher", "approver"):
                tokens[parts[0]] = parts[1]
        assert set(tokens) == {"runner", "publisher", "approver"}
        assert httpx.get(f"{url}login", timeout=10).status_code == 200
        page = httpx.get(f"{url}drift?state=all", headers={"Authorization": f"Bearer {tokens['approver']}"})
        assert page.status_code == 200
        assert "resolved" in page.text
        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=30) == 0
