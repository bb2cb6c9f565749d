"""The seed's invoice: schemas of its layers and record generators shared by tests and benches."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

from schemaline.pipelines.seed import seed_schema

# One source: the seed schema files in pipelines/schemas/.
GDP_INVOICE_V1_1: dict[str, Any] = seed_schema("finance.gdp.invoice:v1.1")
LINE_ITEM: dict[str, Any] = GDP_INVOICE_V1_1["properties"]["lines"]["items"]


def gdp_invoice_v1_2() -> dict[str, Any]:
    """v1.1 plus the optional `invoice_region_code` the seed's Example B meets (a fresh copy)."""
    schema: dict[str, Any] = seed_schema("finance.gdp.invoice:v1.2")
    return schema


def invoice(n: int, rng: random.Random | None = None) -> dict[str, Any]:
    """A valid v1.1 invoice of about 600 bytes as JSON."""
    rng = rng or random.Random(n)
    lines = [
        {"sku": f"SKU-{rng.randrange(10_000):04d}", "quantity": rng.randrange(1, 9), "unit_price": 9.5}
        for _ in range(3)
    ]
    return {
        "invoice_id": f"inv-{n:08d}",
        "customer_id": f"cust-{rng.randrange(100_000):06d}",
        "issued_at": "2025-10-07T10:15:00Z",
        "due_at": "2025-11-06T00:00:00Z",
        "currency": rng.choice(["EUR", "USD", "GBP"]),
        "amount": round(rng.uniform(10, 5000), 2),
        "tax": round(rng.uniform(0, 500), 2),
        "status": rng.choice(["open", "paid"]),
        "country": "FR",
        "channel": "web",
        "sales_rep": None,
        "discount": 0.05,
        "notes": "Quarterly maintenance contract, invoiced monthly; see the attached schedule.",
        "source_system": "erp-eu-1",
        "lines": lines,
    }


def jsonl(records: Iterator[Any] | list[Any]) -> bytes:
    return b"".join(json.dumps(record).encode() + b"\n" for record in records)
