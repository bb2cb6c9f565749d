"""An invoice schema and records for the validation tests (15 top-level fields, nested lines)."""

from __future__ import annotations

import copy
import random
from typing import Any

LINE = {
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
}

INVOICE_SCHEMA: dict[str, Any] = {
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
        "channel": {"type": "string"},
        "lines": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/line"}},
    },
    "$defs": {"line": LINE},
}


def open_schema() -> dict[str, Any]:
    """The same invoice with open content models everywhere (no additionalProperties)."""
    schema = copy.deepcopy(INVOICE_SCHEMA)
    del schema["additionalProperties"]
    del schema["$defs"]["line"]["additionalProperties"]
    return schema


def invoice(i: int, rng: random.Random | None = None) -> dict[str, Any]:
    rng = rng or random.Random(i)
    lines = [
        {
            "sku": f"SKU-{rng.randint(1000, 9999)}",
            "description": f"Widget {i % 7}",
            "quantity": rng.randint(1, 9),
            "unit_price": round(rng.random() * 100, 2),
            "amount": round(rng.random() * 500, 2),
        }
        for _ in range(rng.randint(1, 4))
    ]
    return {
        "invoice_id": f"INV-{i:08d}",
        "issued_at": "2025-10-07T12:34:56Z",
        "customer_id": rng.randint(1, 10**6),
        "customer_name": f"ACME Corporation {i % 100}",
        "currency": rng.choice(["EUR", "USD", "GBP", "CHF"]),
        "subtotal": 123.45,
        "tax": 23.45,
        "total": 146.9,
        "status": "issued",
        "country": "DE",
        "lines": lines,
        "due_days": 30,
        "paid": False,
        "notes": rng.choice([None, "Payment within thirty days"]),
        "channel": "web",
    }
