"""Bench: diff two generated 1,000-property nested schemas (goal: median <= 50 ms).

Run: .venv/bin/python bench/compat_diff.py [--quick]. The last line is {"diff_ms_median": ...}.
Validation of both schemas against their metaschema is part of each `diff` call, as in use.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import statistics
import time
from typing import Any

from schemaline.sdk.compat import Policy, diff


def schema(properties: int, seed: int) -> dict[str, Any]:
    """An object with `properties` members; every tenth is a nested object, some use `$defs`."""
    rng = random.Random(seed)
    members: dict[str, Any] = {}
    for i in range(properties):
        kind = i % 10
        if kind == 0:
            members[f"group_{i}"] = {
                "type": "object",
                "additionalProperties": False,
                "required": ["id"],
                "properties": {
                    "id": {"type": "string", "maxLength": 36},
                    "amount": {"type": "number", "minimum": 0, "maximum": rng.randint(100, 10_000)},
                    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 10},
                    "status": {"enum": ["new", "paid", "void"]},
                    "money": {"$ref": "#/$defs/money"},
                },
            }
        elif kind in (1, 2, 3):
            members[f"text_{i}"] = {
                "type": "string",
                "maxLength": rng.randint(10, 200),
                "description": f"f{i}",
            }
        elif kind in (4, 5):
            members[f"count_{i}"] = {"type": ["integer", "null"], "minimum": 0}
        elif kind == 6:
            members[f"when_{i}"] = {"type": "string", "format": "date-time"}
        elif kind == 7:
            members[f"flag_{i}"] = {"type": "boolean", "default": False}
        else:
            members[f"choice_{i}"] = {"oneOf": [{"type": "string"}, {"type": "null"}]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": [name for name in list(members)[:50]],
        "properties": members,
        "$defs": {
            "money": {
                "type": "object",
                "properties": {"value": {"type": "number"}, "currency": {"enum": ["EUR", "USD"]}},
                "required": ["value", "currency"],
            }
        },
    }


def evolve(original: dict[str, Any], seed: int) -> dict[str, Any]:
    """A next version: ~2% of members edited, a few added and removed, the shared `$defs` widened."""
    rng = random.Random(seed)
    update = copy.deepcopy(original)
    members = update["properties"]
    names = list(members)
    for name in rng.sample(names, len(names) // 50):
        member = members[name]
        if "maxLength" in member:
            member["maxLength"] += rng.choice([-5, 5])
        elif member.get("type") == "object":
            member["properties"]["amount"]["maximum"] *= 2
            member["properties"]["note"] = {"type": "string"}
        else:
            member["description"] = "edited"
    for name in rng.sample(names, 5):
        del members[name]
    for i in range(5):
        members[f"added_{i}"] = {"type": "string"}
    update["$defs"]["money"]["properties"]["currency"]["enum"].append("GBP")
    return update


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds (under 30 s)")
    args = parser.parse_args()
    rounds = 15 if args.quick else 60
    original = schema(1000, seed=1)
    update = evolve(original, seed=2)
    changes = diff(original, update, Policy.STRICT)  # warm-up, and a sanity check of the input
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        diff(original, update, Policy.STRICT)
        samples.append((time.perf_counter() - start) * 1000)
    size = len(json.dumps(original))
    print(f"schemas: 1000 properties, {size // 1024} KiB each; {len(changes)} changes found; {rounds} rounds")
    print(f"diff ms: min {min(samples):.1f}, median {statistics.median(samples):.1f}, max {max(samples):.1f}")
    print(json.dumps({"diff_ms_median": round(statistics.median(samples), 2)}))


if __name__ == "__main__":
    main()
