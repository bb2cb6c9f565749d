"""Envelope validation: the metadata an extractor attaches to each event it takes in.

The envelope says where the event came from (`source`), which schema its payload was written
under (`schema_fqid`), when it happened and was ingested, and its ids. It is checked against
`ENVELOPE_SCHEMA` (formats asserted), then for what a schema cannot say: the FQID matches the
stage's declared selector, and times are in order and not in the future.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema_rs

from schemaline.contracts import Fqid, PipeCode, PipeError, RuleViolation, Selector
from schemaline.contracts.fqid import FQID_PATTERN
from schemaline.sdk.validation.rules import translate

ENVELOPE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Extractor event envelope",
    "type": "object",
    "required": ["event_id", "source", "schema_fqid", "event_time"],
    "properties": {
        "event_id": {"type": "string", "minLength": 1, "maxLength": 200, "description": "Source event id"},
        "source": {"type": "string", "minLength": 1, "maxLength": 256, "description": "Producing system"},
        "schema_fqid": {"type": "string", "pattern": FQID_PATTERN, "description": "Payload schema"},
        "event_time": {"type": "string", "format": "date-time", "description": "When it happened"},
        "ingested_at": {"type": "string", "format": "date-time", "description": "When it was taken in"},
        "pipeline_id": {"type": "string", "minLength": 1, "maxLength": 200},
        "run_id": {"type": "string", "minLength": 1, "maxLength": 200},
    },
}
MAX_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class EnvelopeResult:
    errors: tuple[RuleViolation, ...]
    fqid: Fqid | None

    @property
    def valid(self) -> bool:
        return not self.errors

    def raise_for_errors(self) -> None:
        """Raise PIPE-1002 naming the first error's pointer, when the envelope is invalid."""
        if self.errors:
            first = self.errors[0]
            more = f" (+{len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
            raise PipeError(
                PipeCode.VALIDATION_FAILED, f"envelope: {first.message}{more}", pointer=first.pointer
            )


@functools.cache
def _validator() -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for(ENVELOPE_SCHEMA, validate_formats=True, offline=True)


def _time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def validate_envelope(
    envelope: Mapping[str, Any],
    *,
    declared: Selector | None = None,
    now: datetime | None = None,
    max_clock_skew: timedelta = MAX_CLOCK_SKEW,
) -> EnvelopeResult:
    """Every error of the envelope (structure first, then FQID and time rules)."""
    value = dict(envelope)
    errors = [
        RuleViolation(pointer=v.pointer, rule=v.rule, message=v.message)
        for error in _validator().iter_errors(value)
        for v in translate(error)
    ]
    bad = {error.pointer for error in errors}
    fqid = None
    if "/schema_fqid" not in bad and isinstance(value.get("schema_fqid"), str):
        fqid = Fqid.parse(value["schema_fqid"])
        if declared is not None and not (fqid.subject == declared.subject and declared.matches(fqid.version)):
            errors.append(
                RuleViolation(
                    pointer="/schema_fqid",
                    rule="declared_fqid",
                    message=f"payload written under {fqid}, but the stage declares {declared}",
                )
            )
    times: dict[str, datetime] = {}
    for name in ("event_time", "ingested_at"):
        if f"/{name}" not in bad and isinstance(value.get(name), str):
            try:
                times[name] = _time(value[name])
            except ValueError:
                errors.append(
                    RuleViolation(pointer=f"/{name}", rule="format", message="not an RFC 3339 time")
                )
    limit = (now or datetime.now(UTC)) + max_clock_skew
    if "event_time" in times and times["event_time"] > limit:
        errors.append(
            RuleViolation(pointer="/event_time", rule="time_future", message="event_time is in the future")
        )
    if "event_time" in times and "ingested_at" in times and times["event_time"] > times["ingested_at"]:
        errors.append(
            RuleViolation(
                pointer="/ingested_at", rule="time_order", message="ingested_at is earlier than event_time"
            )
        )
    return EnvelopeResult(tuple(errors), fqid)
