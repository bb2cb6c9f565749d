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
import random
import statistics
import time
from collections.abc import Callable, Iterator
from importlib.metadata import version
from typing import Any

import jsonschema
import orjson

from schemaline.contracts import StagePolicy
from schemaline.sdk.validation import ValidationEngine
from validator_service import batch_p95_ms

CHUNK = 1 << 20
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "invoice_id",
        "issued_at",
        "customer_id",
        "customer_name",
        "currency",
        "subtotal",
        "tax",
        "total",
        "status",
        "country",
        "lines",
        "due_days",
        "paid",
        "channel",
    ],
    "properties": {
        "invoice_id": {"type": "string", "pattern": "^INV-[0-9]{8}$"},
        "issued_at": {"type": "string", "format": "date-time"},
        "customer_id": {"type": "integer", "minimum": 1},
        "customer_name": {"type": "string", "minLength": 1, "maxLength": 120},
        "currency": {"enum": ["EUR", "USD", "GBP", "CHF"]},
        "subtotal": {"type": "number", "minimum": 0},
        "tax": {"type": "number", "minimum": 0},
        "total": {"type": "number", "minimum": 0},
        "status": {"enum": ["draft", "issued", "paid", "void"]},
        "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
        "due_days": {"type": "integer", "minimum": 0, "maximum": 365},
        "paid": {"type": "boolean"},
        "notes": {"type": ["string", "null"], "maxLength": 500},
        "channel": {"enum": ["web", "edi", "email", "pos"]},
        "lines": {
            "type": "array",
            "minItems": 1,
            "maxItems": 100,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["sku", "quantity", "unit_price", "amount"],
                "properties": {
                    "sku": {"type": "string", "pattern": "^[A-Z0-9-]{4,20}$"},
                    "description": {"type": "string", "maxLength": 200},
                    "quantity": {"type": "integer", "minimum": 1},
                    "unit_price": {"type": "number", "minimum": 0},
                    "amount": {"type": "number", "minimum": 0},
                },
            },
        },
    },
}


def invoice(i: int, rng: random.Random) -> dict[str, Any]:
    lines: list[dict[str, Any]] = []
    for _ in range(rng.randint(2, 3)):
        quantity = rng.randint(1, 20)
        price = round(rng.uniform(1, 250), 2)
        lines.append(
            {
                "sku": f"SKU-{rng.randint(10000, 99999)}",
                "description": rng.choice(["Steel bolts M8", "Copper wire 2mm", "Safety gloves L"]),
                "quantity": quantity,
                "unit_price": price,
                "amount": round(quantity * price, 2),
            }
        )
    subtotal = round(sum(float(line["amount"]) for line in lines), 2)
    record: dict[str, Any] = {
        "invoice_id": f"INV-{i:08d}",
        "issued_at": f"2025-10-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:15:00Z",
        "customer_id": rng.randint(1, 999_999),
        "customer_name": rng.choice(["ACME Industrial Supplies GmbH", "Northwind Traders Ltd", "Globex SA"]),
        "currency": rng.choice(["EUR", "USD", "GBP", "CHF"]),
        "subtotal": subtotal,
        "tax": round(subtotal * 0.2, 2),
        "total": round(subtotal * 1.2, 2),
        "status": rng.choice(["issued", "paid"]),
        "country": rng.choice(["DE", "FR", "GB", "CH"]),
        "lines": lines,
        "due_days": rng.choice([14, 30, 60]),
        "paid": rng.random() < 0.5,
        "notes": rng.choice([None, "Payment within thirty days of the invoice date, please quote the id"]),
        "channel": rng.choice(["web", "edi", "email"]),
    }
    if i % 2000 == 999:  # one record in a thousand is rejected: half drift, half invalid
        record["total"] = "n/a"
    elif i % 2000 == 1999:
        record["due_days"] = -1
    return record


def jsonl(records: int) -> bytes:
    rng = random.Random(20251007)
    return b"".join(orjson.dumps(invoice(i, rng)) + b"\n" for i in range(records))


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
