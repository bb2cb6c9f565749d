"""Schema fingerprints: sha256 of the schema's normalized JSON."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from schemaline.contracts import Fingerprint

JsonSchema = dict[str, Any] | bool


def normalized_json(schema: JsonSchema) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8 (not ASCII-escaped)."""
    return json.dumps(
        schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def fingerprint(schema: JsonSchema) -> Fingerprint:
    """Hex sha256 digest of `normalized_json(schema)`: equal schemas share it, whatever their key order."""
    return Fingerprint(hashlib.sha256(normalized_json(schema)).hexdigest())
