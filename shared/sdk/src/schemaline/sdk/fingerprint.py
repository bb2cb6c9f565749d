"""Schema fingerprints that any language can recompute: SHA-256 over RFC 8785 canonical JSON.

`fingerprint(document)` is `"sha256:"` followed by the lowercase hex SHA-256 digest of the
document's JSON Canonicalization Scheme (RFC 8785) serialisation in UTF-8: object members sorted
by their UTF-16 code units, no insignificant whitespace, strings escaped only where JSON requires,
numbers written as ECMAScript writes doubles (`1.0` → `1`, `1e30` → `1e+30`). Every language has
a JCS library (docs/registry.md names some), so a fingerprint is checked without this code.
Numbers must be I-JSON: integers beyond ±(2^53 − 1), NaN and infinities are refused (ValueError).
"""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785

from schemaline.contracts import Fingerprint

PREFIX = "sha256:"


def canonical_json(document: Any) -> bytes:
    """The RFC 8785 canonical form of a JSON value; ValueError when it has none."""
    try:
        return rfc8785.dumps(document)
    except rfc8785.CanonicalizationError as exc:
        raise ValueError(f"no RFC 8785 canonical form: {exc}") from None


def fingerprint_of_canonical(canonical: bytes) -> Fingerprint:
    return Fingerprint(PREFIX + hashlib.sha256(canonical).hexdigest())


def fingerprint(document: Any) -> Fingerprint:
    """`sha256:` + hex SHA-256 of the document's RFC 8785 canonical JSON."""
    return fingerprint_of_canonical(canonical_json(document))
