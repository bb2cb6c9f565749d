"""Spark validation throughput: the Glue job's partitions on Spark local[N] vs one engine process.

    .venv/bin/python bench/spark_validate.py [--quick] [--records N]

The same invoice batch (2,000,000 records, ~1.1 GB; 200,000 with --quick) goes through the same
job, a raw-layer copy checked against the invoice schema before and after (`PartitionPlan`), run
by `SparkRunner` in local[N] (N = this machine's cores; 4 partitions per core, the Spark session
and its Python workers warmed up first) and by `LocalRunner`, this one process streaming the
object; the two alternate, 3 times each (2 with --quick), and the fastest run of each counts,
since other work shares the cores. Both read the batch from a local folder store and write their
output and quarantine parts to local disk; Spark's figure includes copying the object into its staging folder
(docs/decisions.md, 18), shown apart. parallel_efficiency = spark_rps / (N × single_process_rps).
The last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from invoices import SCHEMA, write_jsonl
from schemaline.contracts import StagePolicy
from schemaline.pipelines.glue.partition import Checked, PartitionPlan
from schemaline.pipelines.glue.raw import copy
from schemaline.pipelines.glue.reconcile import Totals
from schemaline.pipelines.glue.runners import LocalRunner, Runner
from schemaline.pipelines.glue.spark import SparkRunner, local_session
from schemaline.pipelines.glue.staging import stage_input
from schemaline.runtime.objectstore import LocalFolderStore

CACHE = Path(".schemaline/bench")
URI = "s3://bench/invoices/part-00000.jsonl"
WARM_URI = "s3://bench/warm/part-00000.jsonl"


def plan(uri: str) -> PartitionPlan:
    checked = Checked("bench.raw.invoice:v1.0", SCHEMA, StagePolicy(max_invalid_ratio=0.01))
    return PartitionPlan("bench_raw_copy", "jr-bench", uri, checked, checked, copy)


async def timed(runner: Runner, store: LocalFolderStore, uri: str = URI) -> tuple[float, int]:
    """Seconds for one run, and the records it passed on (the run's parts are removed after)."""
    started = time.perf_counter()
    staged = await runner.run(plan(uri), uri, store)
    seconds = time.perf_counter() - started
    staged.discard()
    totals = Totals.of(staged.stats)  # raises unless every partition reconciles
    return seconds, totals.records_out


def same_disk(a: Path, b: Path) -> bool:
    return a.stat().st_dev == b.stat().st_dev


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200,000 records, under 30 s")
    parser.add_argument("--records", type=int, help="records in the batch (default 2,000,000)")
    args = parser.parse_args()
    records = args.records or (200_000 if args.quick else 2_000_000)
    cores = os.cpu_count() or 1

    root = Path(tempfile.mkdtemp(prefix="schemaline-bench-"))
    try:
        source = write_jsonl(CACHE / f"invoices-{records}.jsonl", records)
        target = root / "bench" / "invoices" / "part-00000.jsonl"
        target.parent.mkdir(parents=True)
        if same_disk(source, root):
            os.link(source, target)  # no 1 GB copy when the cache is on the same disk
        else:
            shutil.copy(source, target)
        store = LocalFolderStore(root)
        size = target.stat().st_size
        print(f"machine: {cores} cores, load average {os.getloadavg()[0]:.1f}")
        print(f"batch: {records:,} records, {size / 1e6:.0f} MB")

        started = time.perf_counter()
        spark = local_session(f"local[{cores}]", "schemaline-bench")
        print(f"spark session: {time.perf_counter() - started:.1f} s")
        runner = SparkRunner(spark, partitions=4 * cores, staging=root)
        # Warm up: start every Python worker and compile the schema in each.
        with target.open("rb") as head:
            sample = b"".join(head.readline() for _ in range(20_000))
        await store.put_bytes(WARM_URI, sample)
        await timed(runner, store, WARM_URI)
        staging = root / "staged-copy.jsonl"
        started = time.perf_counter()
        await stage_input(store, URI, staging)
        copy_s = time.perf_counter() - started
        staging.unlink()

        spark_runs, single_runs = [], []
        for _ in range(2 if args.quick else 3):  # alternated, the best of each: others share the cores
            spark_runs.append(await timed(runner, store))
            single_runs.append(await timed(LocalRunner(root), store))
        spark.stop()
        assert {out for _, out in spark_runs + single_runs} == {spark_runs[0][1]}, "the same records pass"
        spark_s, single_s = min(s for s, _ in spark_runs), min(s for s, _ in single_runs)
        print(f"runs (s): spark {[round(s, 1) for s, _ in spark_runs]}, ", end="")
        print(f"one process {[round(s, 1) for s, _ in single_runs]}")
    finally:
        shutil.rmtree(root, ignore_errors=True)

    spark_rps = records / spark_s
    single_rps = records / single_s
    efficiency = spark_rps / (cores * single_rps)
    print(f"spark local[{cores}]: {spark_s:.1f} s, {spark_rps:,.0f} records/s (staging copy: {copy_s:.1f} s)")
    print(f"one process: {single_s:.1f} s, {single_rps:,.0f} records/s")
    print(f"parallel efficiency: {efficiency:.2f} (spark / ({cores} × one process))")
    print(
        json.dumps(
            {
                "records": records,
                "spark_rps": round(spark_rps),
                "single_process_rps": round(single_rps),
                "parallel_efficiency": round(efficiency, 2),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
