"""Content fingerprints: sha256 of the normalized JSON text of a schema."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from schemaline.contracts import Fingerprint


def _canonical(value: Any) -> Any:
    # JSON Schema treats 1.0 and 1 as the same number; so does the fingerprint (where a float holds
    # the integer exactly: 1e30 stays a float rather than becoming an integer no consumer can load).
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        return int(value)
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    return value


def normalize(document: Any) -> str:
    """Key-sorted, compact, ASCII-only JSON: equal documents give equal text, whatever their layout."""
    return json.dumps(
        _canonical(document), sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )


def fingerprint_of(normalized: str) -> Fingerprint:
    return Fingerprint("sha256:" + hashlib.sha256(normalized.encode()).hexdigest())
