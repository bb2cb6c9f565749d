"""What validating a batch produces: record classes, rejected records, counts, profile, verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from schemaline.contracts import DriftedField, PipeCode, RuleViolation
from schemaline.sdk.validation.fingerprint import JsonSchema


class RecordClass(StrEnum):
    VALID = "valid"
    DRIFT = "drift"  # rejected, and every reason is about shape
    INVALID = "invalid"  # rejected, and at least one value rule is broken (or not JSON)


class Outcome(StrEnum):
    PASS = "pass"
    DRIFT = "drift"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    """A record the schema does not accept, with every reason.

    `record` holds the parsed record; `raw` holds the line's bytes when it was not JSON.
    `index` counts records from 0 (blank lines are not records); `line` is the 1-based line
    number in the JSON Lines input, None for records given as Python objects.
    """

    index: int
    record_class: RecordClass
    errors: tuple[RuleViolation, ...]
    line: int | None = None
    record: Any = None
    raw: bytes | None = None

    def original(self) -> Any:
        """The record as given: the parsed value, or the raw line decoded as far as it goes."""
        if self.raw is not None:
            return self.raw.decode("utf-8", errors="backslashreplace")
        return self.record

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "class": self.record_class.value,
            "errors": [error.model_dump() for error in self.errors],
        }


@dataclass(frozen=True, slots=True)
class Counts:
    valid: int = 0
    drift: int = 0
    invalid: int = 0

    @property
    def total(self) -> int:
        return self.valid + self.drift + self.invalid

    @property
    def rejected(self) -> int:
        return self.drift + self.invalid

    def to_dict(self) -> dict[str, int]:
        return {"valid": self.valid, "drift": self.drift, "invalid": self.invalid}


@dataclass(frozen=True, slots=True)
class FieldStats:
    """A top-level field: in how many records it appeared, with which JSON types."""

    records: int
    types: dict[str, int]
    in_schema: bool

    def to_dict(self) -> dict[str, Any]:
        return {"records": self.records, "types": dict(self.types), "in_schema": self.in_schema}


@dataclass(frozen=True, slots=True)
class FieldSignal:
    """A field pattern (`/lines/*/sku`) seen drifting, in `records` records."""

    pointer: str
    records: int
    observed: tuple[str, ...] = ()
    expected: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"pointer": self.pointer, "records": self.records}
        if self.observed:
            out["observed_types"] = list(self.observed)
        if self.expected:
            out["expected_types"] = list(self.expected)
        return out


@dataclass(frozen=True, slots=True)
class BatchProfile:
    """The batch's shape as seen, against the schema.

    `fields` and `non_object` count the top-level shapes of a sample of `sampled` records (every
    record of a small batch; see `profile.SAMPLE_ALL`). `unexpected` (fields the schema does not
    describe: rejected by a closed model, or let through by an open one), `missing_required` and
    `type_changes` count every record, at every depth, array items as `*`.
    """

    records: int
    sampled: int
    non_object: int
    fields: dict[str, FieldStats]
    unexpected: tuple[FieldSignal, ...]
    missing_required: tuple[FieldSignal, ...]
    type_changes: tuple[FieldSignal, ...]
    truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "sampled": self.sampled,
            "non_object": self.non_object,
            "fields": {name: stats.to_dict() for name, stats in self.fields.items()},
            "unexpected": [signal.to_dict() for signal in self.unexpected],
            "missing_required": [signal.to_dict() for signal in self.missing_required],
            "type_changes": [signal.to_dict() for signal in self.type_changes],
            "truncated": self.truncated,
        }


@dataclass(frozen=True, slots=True)
class BatchVerdict:
    """The stage policy's decision: pass, drift (quarantine and report) or fail, with its PIPE code."""

    outcome: Outcome
    code: PipeCode | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "code": self.code.value if self.code else None,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Everything one batch's validation found. `rejected` is empty when a sink took them."""

    fingerprint: str
    counts: Counts
    rejected: tuple[RejectedRecord, ...]
    profile: BatchProfile
    drift_signals: tuple[DriftedField, ...]
    verdict: BatchVerdict
    validation_ms: float
    bytes_read: int = 0
    schema: JsonSchema = field(default=True, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "counts": self.counts.to_dict(),
            "rejected": [record.to_dict() for record in self.rejected],
            "profile": self.profile.to_dict(),
            "drift_signals": [signal.model_dump(mode="json") for signal in self.drift_signals],
            "verdict": self.verdict.to_dict(),
            "validation_ms": self.validation_ms,
            "bytes_read": self.bytes_read,
        }
