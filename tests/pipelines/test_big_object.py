"""A Glue job on the plain-Python path streams a 2 GB object through bounded memory.

The size is `SCHEMALINE_BIG_OBJECT_MB` (default 2048). The job runs in a child process, so that
its peak resident memory is its own, and must stay under 300 MB whatever the object's size.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from schemaline.pipelines.source import example_a
from tests.support.layout import run_folder

SIZE_MB = int(os.environ.get("SCHEMALINE_BIG_OBJECT_MB", "2048"))
PEAK_RSS_MB = 300


def write_object(path: Path, size: int) -> int:
    """Example A invoices as JSON Lines, up to `size` bytes."""
    templates = [orjson.loads(orjson.dumps(record)) for record in example_a(300)]
    written, records = 0, 0
    with path.open("wb") as out:
        while written < size:
            block = bytearray()
            for record in templates:
                record["invoice_id"] = f"inv-{records:010d}"
                block += orjson.dumps(record) + b"\n"
                records += 1
            out.write(block)
            written += len(block)
    return records


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_2gb_object_validates_with_peak_rss_under_300mb(tmp_path: Path) -> None:
    root = tmp_path / "objects"
    source = root / "warehouse" / "raw" / "big" / "part-00000.jsonl"
    source.parent.mkdir(parents=True)
    records = write_object(source, SIZE_MB << 20)
    staging = tmp_path / "staging"
    staging.mkdir()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.pipelines.big_object_job",
            str(root),
            "s3://warehouse/raw/big/part-00000.jsonl",
            str(staging),
        ],
        capture_output=True,
        check=True,
        text=True,
    )
    result = json.loads(done.stdout.splitlines()[-1])
    print(f"{SIZE_MB} MB, {records:,} records: peak RSS {result['peak_rss_mb']:.0f} MB")
    assert result["status"] == "landed"
    assert (result["records_in"], result["records_out"], result["skipped"]) == (records, records, 0)
    landed = root / "warehouse" / "gdp" / "invoice" / run_folder("jr-big") / "part-00000.jsonl"
    with landed.open("rb") as handle:
        assert sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 24), b"")) == records
    assert result["peak_rss_mb"] < PEAK_RSS_MB, f"peak RSS {result['peak_rss_mb']:.0f} MB for {SIZE_MB} MB"
