"""Schema fingerprints for the validator cache: the SDK's one fingerprint (RFC 8785 + SHA-256)."""

from __future__ import annotations

import json
from typing import Any

from schemaline.sdk.fingerprint import fingerprint

JsonSchema = dict[str, Any] | bool

__all__ = ["JsonSchema", "fingerprint", "normalized_json"]


def normalized_json(schema: JsonSchema) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8 (not ASCII-escaped): the private copy's text."""
    return json.dumps(
        schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()
