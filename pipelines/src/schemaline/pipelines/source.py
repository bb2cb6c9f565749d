"""Source batches for the seed's examples: A (every record fits) and B (some carry a new field).

Records look the way the source system sends them (currency and status in any case, amounts with
more than two decimals), so the GDP transform has work to do. They span two UTC days.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from schemaline.pipelines.extractor.settings import DEFAULT_SCHEMA

DRIFT_FIELD = "invoice_region_code"
REGIONS = ("EU-W", "EU-C", "UK")


def source_invoice(n: int, rng: random.Random) -> dict[str, Any]:
    """One invoice as the ERP emits it; after the GDP transform it is a valid GDP v1.1 invoice."""
    day = 6 + n % 2
    return {
        "invoice_id": f"inv-{n:08d}",
        "customer_id": f"cust-{rng.randrange(100_000):06d}",
        "issued_at": f"2025-10-{day:02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z",
        "due_at": f"2025-11-{day:02d}T00:00:00Z",
        "currency": rng.choice(["EUR", "eur", "USD", "usd", "GBP"]),
        "amount": round(rng.uniform(10, 5000), 4),
        "tax": round(rng.uniform(0, 500), 3),
        "status": rng.choice(["open", "Paid", "PAID", "void"]),
        "country": rng.choice(["fr", "DE", "gb"]),
        "channel": rng.choice(["web", "partner"]),
        "sales_rep": None,
        "source_system": "erp-eu-1",
        "lines": [
            {"sku": f"SKU-{rng.randrange(10_000):04d}", "quantity": rng.randrange(1, 9), "unit_price": 9.5}
            for _ in range(2)
        ],
    }


def example_a(count: int = 24, *, seed: int = 7) -> list[dict[str, Any]]:
    """Example A: a batch every stage accepts."""
    rng = random.Random(seed)
    return [source_invoice(n, rng) for n in range(count)]


def example_b(count: int = 24, *, seed: int = 7, drift_every: int = 3) -> list[dict[str, Any]]:
    """Example B: Example A's batch where every `drift_every`-th record (0, 3, 6 …) carries
    `invoice_region_code`. Raw lets it through (open model); GDP v1.1 (closed) rejects it."""
    records = example_a(count, seed=seed)
    for n in range(0, count, drift_every):
        records[n][DRIFT_FIELD] = REGIONS[n % len(REGIONS)]
    return records


def drifted(records: Sequence[dict[str, Any]]) -> list[str]:
    """Invoice ids of the records carrying the drift field."""
    return [record["invoice_id"] for record in records if DRIFT_FIELD in record]


def extractor_event(
    records: Sequence[Any],
    *,
    schema_fqid: str = DEFAULT_SCHEMA,
    source: str = "erp-eu-1",
    event_time: datetime | None = None,
    run_id: str | None = None,
) -> dict[str, Any]:
    """The extractor Lambda's invocation event for these records."""
    now = datetime.now(UTC)
    happened = event_time or now - timedelta(minutes=1)
    envelope: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "source": source,
        "schema_fqid": schema_fqid,
        "event_time": happened.isoformat().replace("+00:00", "Z"),
        "ingested_at": max(now, happened).isoformat().replace("+00:00", "Z"),
    }
    if run_id is not None:
        envelope["run_id"] = run_id
    return {"envelope": envelope, "records": list(records)}
