"""Validation throughput: the engine vs plain python `jsonschema`, and bytes to verdict.

    .venv/bin/python bench/validate_throughput.py [--quick]

A generated batch of invoice records (~600 B, 15 top-level fields, nested line items; 0.1% of
them rejected) is validated by the engine (jsonschema-rs) and, on a sample, by plain python
`jsonschema` in the same run. The schema is compiled before timing (once per version, as in
production). Parsed records are frozen out of the garbage collector's sight before timing both
validators, so neither pays for the benchmark's own list of 200k records.
The last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterator
from importlib.metadata import version

import jsonschema
import orjson

from invoices import SCHEMA, jsonl
from schemaline.contracts import StagePolicy
from schemaline.sdk.validation import ValidationEngine
from validator_service import batch_p95_ms

CHUNK = 1 << 20


def chunks(data: bytes) -> Iterator[bytes]:
    view = memoryview(data)
    for start in range(0, len(data), CHUNK):
        yield bytes(view[start : start + CHUNK])


def rate(count: int, run: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Records per CPU second of this (single-threaded) process, and per wall-clock second: the
    median of `repeats` runs. CPU time gives records/s/core even when other work shares the
    machine; wall-clock time is printed alongside."""
    cpu_rates, wall_rates = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        cpu_rates.append(count / (time.process_time() - cpu))
        wall_rates.append(count / (time.perf_counter() - wall))
    return statistics.median(cpu_rates), statistics.median(wall_rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller batch, under 30 s")
    args = parser.parse_args()
    records = 30_000 if args.quick else 200_000
    sample = 600 if args.quick else 3_000
    repeats = 1 if args.quick else 3

    data = jsonl(records)
    parsed = [orjson.loads(line) for line in data.splitlines()]
    libraries = ", ".join(f"{name} {version(name)}" for name in ("jsonschema-rs", "jsonschema", "orjson"))
    python = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"machine: {os.cpu_count()} cores, {python}; {libraries}")
    print(f"batch: {records:,} records, {len(data) / records:.0f} B/record, {len(data) / 1e6:.1f} MB")

    engine = ValidationEngine()
    compiled = engine.compile(SCHEMA)
    policy = StagePolicy(max_invalid_ratio=0.01)
    reference = jsonschema.Draft202012Validator(SCHEMA)
    gc.collect()
    gc.freeze()  # the benchmark's own list of parsed records is not the validators' garbage

    result = engine.validate_records(parsed, compiled, policy)
    expected_valid = sum(reference.is_valid(record) for record in parsed[:sample])
    assert sum(1 for r in result.rejected if r.index < sample) == sample - expected_valid, "engines disagree"

    engine_rps, engine_wall = rate(
        records, lambda: engine.validate_records(parsed, compiled, policy), repeats
    )
    reference_rps, reference_wall = rate(
        sample, lambda: [reference.is_valid(record) for record in parsed[:sample]], repeats
    )
    is_valid = compiled.validator.is_valid
    bare_rps, bare_wall = rate(records, lambda: [is_valid(record) for record in parsed], repeats)
    bytes_rps, bytes_wall = rate(
        records, lambda: engine.validate_lines(chunks(data), compiled, policy), repeats
    )
    check = engine.validate_lines(chunks(data), compiled, policy)
    counts = check.counts
    print(f"verdict: {check.verdict.outcome.value} ({check.verdict.reason})")
    print(f"counts: {counts.valid:,} valid, {counts.drift:,} drift, {counts.invalid:,} invalid")
    print("records/s per core, from CPU time [from wall-clock time]:")
    print(f"  engine, parsed records → BatchResult: {engine_rps:,.0f} [{engine_wall:,.0f}]")
    print(f"  python jsonschema, {sample:,}-record sample: {reference_rps:,.0f} [{reference_wall:,.0f}]")
    print(f"  ratio: {engine_rps / reference_rps:,.1f}x [{engine_wall / reference_wall:,.1f}x]")
    print(
        f"  (jsonschema-rs is_valid alone, no classification or profile: {bare_rps:,.0f} [{bare_wall:,.0f}],"
    )
    print(f"   {bare_rps / reference_rps:,.1f}x python jsonschema)")
    print(f"  bytes → verdict, JSON Lines in 1 MiB chunks: {bytes_rps:,.0f} [{bytes_wall:,.0f}]")
    service_batches = 8 if args.quick else 30
    batch10k = b"".join(data.splitlines(keepends=True)[:10_000])
    batch10k_p95 = asyncio.run(batch_p95_ms(SCHEMA, batch10k, service_batches))
    print(
        f"validator service, 10k-record batch S3 → verdict event, P95 of {service_batches}: "
        f"{batch10k_p95:.1f} ms"
    )
    print(
        json.dumps(
            {
                "engine_rps": round(engine_rps),
                "jsonschema_rps": round(reference_rps),
                "ratio": round(engine_rps / reference_rps, 1),
                "bytes_to_verdict_rps": round(bytes_rps),
                "batch10k_p95_ms": round(batch10k_p95, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
