"""Bench: how fast `schemaline schema diff` answers from a cold process, beside check-jsonschema.

Run: .venv/bin/python bench/cli_startup.py [--quick]. Both commands read the same two small schema
files, each run in a new process, alternating so both see the same load; the figures are median
wall times. The last line is {"diff_cold_ms": ..., "check_jsonschema_ms": ..., "ratio": ...}
(ratio = diff / check-jsonschema; goal ≤ 1.5). Profile a slow start with
`.venv/bin/python -X importtime -m schemaline.cli schema diff OLD NEW`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROPERTIES: dict[str, Any] = {"id": {"type": "string"}, "amount": {"type": "number", "minimum": 0}}
OLD: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": PROPERTIES,
    "required": ["id"],
}
NEW = OLD | {"properties": PROPERTIES | {"currency": {"type": "string", "maxLength": 3}}}


def wall_ms(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer runs (under 30 s)")
    runs = 7 if parser.parse_args().quick else 21
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as folder:
        old, new = Path(folder, "old.json"), Path(folder, "new.json")
        old.write_text(json.dumps(OLD))
        new.write_text(json.dumps(NEW))
        diff = [str(bin_dir / "schemaline"), "schema", "diff", str(old), str(new)]
        check = [str(bin_dir / "check-jsonschema"), "--schemafile", str(old), str(new)]
        wall_ms(diff), wall_ms(check)  # warm the file cache: "cold" is the process, not the disk
        diffs, checks = [], []
        for _ in range(runs):
            diffs.append(wall_ms(diff))
            checks.append(wall_ms(check))
    diff_ms, check_ms = statistics.median(diffs), statistics.median(checks)
    print(f"schemaline schema diff      median {diff_ms:7.1f} ms over {runs} runs")
    print(f"check-jsonschema --schemafile median {check_ms:7.1f} ms over {runs} runs")
    figures = {
        "diff_cold_ms": round(diff_ms, 1),
        "check_jsonschema_ms": round(check_ms, 1),
        "ratio": round(diff_ms / check_ms, 2),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
