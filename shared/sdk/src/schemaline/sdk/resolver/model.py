"""What a resolve returns: the exact version a selector named, with its schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemaline.contracts import Fingerprint, Fqid


@dataclass(frozen=True, slots=True)
class ResolvedSchema:
    fqid: Fqid
    fingerprint: Fingerprint
    schema: Any  # the JSON Schema document; treat it as read-only, it is shared by every caller
    deprecated: bool
    etag: str | None
