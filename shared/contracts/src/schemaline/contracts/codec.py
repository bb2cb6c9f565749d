"""Bytes to typed envelopes and back: the only place events are (de)serialised."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from schemaline.contracts.envelope import Envelope, EventDetail
from schemaline.contracts.events import EVENT_TYPES

AnyEnvelope = Envelope[Any]


class EventDecodeError(ValueError):
    """A message that is not a well-formed event of a known detail-type."""


def encode(envelope: AnyEnvelope) -> bytes:
    """Serialise with EventBridge field names, compactly."""
    return envelope.model_dump_json(by_alias=True, exclude_none=True).encode()


def decode(data: bytes | str) -> AnyEnvelope:
    """Parse and validate an event; unknown detail-types and invalid fields raise EventDecodeError."""
    try:
        raw = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EventDecodeError(f"not JSON: {exc}") from None
    except RecursionError:
        raise EventDecodeError("not an event: JSON nested too deep to parse") from None
    if not isinstance(raw, dict):
        raise EventDecodeError(f"an event must be a JSON object, got {type(raw).__name__}")
    detail_type = raw.get("detail-type")
    if not isinstance(detail_type, str):
        raise EventDecodeError("missing 'detail-type'")
    model = EVENT_TYPES.get(detail_type)
    if model is None:
        raise EventDecodeError(f"unknown detail-type {detail_type!r}")
    try:
        envelope: AnyEnvelope = Envelope[model].model_validate(raw)  # type: ignore[valid-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/" + "/".join(str(part) for part in first["loc"])
        raise EventDecodeError(
            f"{detail_type} invalid at {where}: {first['msg']} ({exc.error_count()} error(s))"
        ) from None
    return envelope


def detail_of(envelope: AnyEnvelope) -> EventDetail:
    detail: EventDetail = envelope.detail
    return detail
