"""The benchmarks' invoice batch: a 15-field invoice schema and generated records (~570 B each).

`validate_throughput` and `spark_validate` validate the same records; one in a thousand is
rejected (half drift, half invalid).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson

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


def write_jsonl(path: Path, records: int) -> Path:
    """The same records as `jsonl(records)`, written to `path` block by block (for batches too big
    to hold); kept when it already holds them, since generating 2 M records takes a while."""
    done = path.with_name(path.name + ".complete")
    if done.exists() and path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20251007)
    with path.open("wb") as out:
        for start in range(0, records, 10_000):
            out.write(
                b"".join(
                    orjson.dumps(invoice(i, rng)) + b"\n" for i in range(start, min(records, start + 10_000))
                )
            )
    done.touch()
    return path
