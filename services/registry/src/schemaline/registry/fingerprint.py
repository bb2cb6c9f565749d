"""Stored schema text and its fingerprint: the RFC 8785 canonical JSON, and its SHA-256.

A schema is stored as its canonical form, so the stored text is exactly what is hashed, and equal
documents (whatever their key order, whitespace or `1.0` versus `1`) are stored and fingerprinted
alike. The rule itself lives in `schemaline.sdk.fingerprint`.
"""

from __future__ import annotations

from typing import Any

from schemaline.contracts import Fingerprint
from schemaline.sdk.fingerprint import canonical_json, fingerprint_of_canonical


def normalize(document: Any) -> str:
    """The RFC 8785 canonical JSON text of `document` (ValueError for NaN, ∞, integers beyond 2^53)."""
    return canonical_json(document).decode()


def fingerprint_of(normalized: str) -> Fingerprint:
    """The fingerprint of text `normalize` produced."""
    return fingerprint_of_canonical(normalized.encode())
