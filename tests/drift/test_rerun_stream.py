"""Re-runs stream a quarantine object: memory does not grow with it, and every record is re-run."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import orjson

from schemaline.contracts import QuarantineLine, RuleViolation
from schemaline.drift_detector.rerun import write_rerun_batch
from schemaline.runtime.objectstore import LocalFolderStore
from tests.support.invoices import invoice

QUARANTINE = "s3://warehouse/quarantine/p/finance.gdp.invoice/jr-1/batch.jsonl"
RERUN = "s3://warehouse/reruns/case/jr-1.rerun.v1.2.jsonl"


def quarantine_lines(count: int) -> list[bytes]:
    reason = RuleViolation(pointer="/invoice_region_code", rule="additionalProperties", message="unexpected")
    lines = []
    for n in range(count):
        line = QuarantineLine.model_validate(
            {
                "position": n,
                "class": "drift",
                "record": invoice(n) | {"invoice_region_code": "EU"},
                "reasons": (reason,),
                "fqid": "finance.gdp.invoice:v1.1",
                "pipeline_id": "finance_gdp_transform",
                "run_id": "jr-1",
                "object_uri": "s3://warehouse/gdp/invoice/jr-1/part-00000.jsonl",
                "quarantined_at": datetime(2025, 10, 7, tzinfo=UTC),
            }
        )
        lines.append(line.model_dump_json(by_alias=True).encode())
    lines.append(
        b'{"position": 1, "class": "invalid", "raw": "{not json", "reasons": [], "fqid": '
        b'"finance.gdp.invoice:v1.1", "pipeline_id": "p", "run_id": "jr-1", "object_uri": "s3://w/o",'
        b' "quarantined_at": "2025-10-07T00:00:00Z"}'
    )
    return lines


async def rerun_peak(tmp_path: Path, count: int) -> tuple[int, int]:
    """Re-run a quarantine of `count` lines (and one raw line); its size and the re-run's peak of
    Python allocations. The test runs it in a child process,
    where no other test's threads (a moto server, a consumer) allocate while it measures."""
    store = LocalFolderStore(tmp_path)
    data = b"\n".join(quarantine_lines(count))  # the last line has no newline
    await store.put_bytes(QUARANTINE, data)
    tracemalloc.start()
    try:
        records = await write_rerun_batch(store, QUARANTINE, RERUN)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rerun = (await store.get_bytes(RERUN)).splitlines()
    assert records == len(rerun) == count + 1
    assert orjson.loads(rerun[0]) == invoice(0) | {"invoice_region_code": "EU"}
    assert rerun[-1] == b"{not json"
    return len(data), peak


def peak_in_child(tmp_path: Path, count: int) -> tuple[int, int]:
    code = (
        "import asyncio, json, sys; from pathlib import Path; "
        "from tests.drift.test_rerun_stream import rerun_peak; "
        "print(json.dumps(asyncio.run(rerun_peak(Path(sys.argv[1]), int(sys.argv[2])))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path), str(count)], capture_output=True, check=True, text=True
    )
    size, peak = json.loads(done.stdout.splitlines()[-1])
    return size, peak


def test_a_rerun_batch_is_streamed_from_the_quarantine(tmp_path: Path) -> None:
    small_size, small = peak_in_child(tmp_path / "small", 4_000)
    large_size, large = peak_in_child(tmp_path / "large", 16_000)
    assert large_size > 4 * small_size
    assert large < small * 1.3, (
        f"peak {large:,} bytes re-running {large_size:,}, {small:,} for {small_size:,}"
    )
