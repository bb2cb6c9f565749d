"""Builds a batch profile off the hot path: field types from a sample, drift from every record.

Counting each record's top-level shape costs about as much as validating it, so `fields` is
counted on a sample: every record of the first `SAMPLE_ALL`, then one in `SAMPLE_EVERY`, by record
index (so the result does not depend on how the input was chunked). Drift is never sampled: every
rejected record's errors, every valid record the closed twin flags, and (where neither the schema
nor its twin rejects an undescribed top-level field) every valid record's keys are counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from schemaline.contracts import DriftedField, FieldDriftKind
from schemaline.sdk.validation.pointers import child
from schemaline.sdk.validation.results import BatchProfile, FieldSignal, FieldStats
from schemaline.sdk.validation.rules import JSON_TYPES, Violation, json_type
from schemaline.sdk.validation.shape import TopLevelModel

SAMPLE_ALL = 1_000  # records whose shapes are all counted, from the start of a batch
SAMPLE_EVERY = 100  # beyond them, one record in this many
MAX_SHAPES = 1_000  # distinct shapes kept before they are folded into per-field counts
MAX_FIELDS = 10_000  # distinct field names or patterns tracked; beyond, the profile is truncated

Shape = tuple[tuple[str, ...], tuple[type, ...]]


def sample_positions(base: int, size: int) -> Iterable[int]:
    """Positions, in a list of `size` records starting at index `base`, of the sampled records."""
    head = max(0, min(size, SAMPLE_ALL - base))
    start = max(base, SAMPLE_ALL)
    start += -start % SAMPLE_EVERY
    return [*range(head), *range(start - base, size, SAMPLE_EVERY)]


class _Signals:
    def __init__(self) -> None:
        self.records: Counter[str] = Counter()
        self.observed: dict[str, Counter[str]] = {}
        self.expected: dict[str, set[str]] = {}

    def add(self, violation: Violation) -> None:
        self.records[violation.field] += 1
        if violation.observed is not None:
            self.observed.setdefault(violation.field, Counter())[violation.observed] += 1
        if violation.expected:
            self.expected.setdefault(violation.field, set()).update(violation.expected)

    def __len__(self) -> int:
        return len(self.records)

    def signals(self) -> tuple[FieldSignal, ...]:
        return tuple(
            FieldSignal(
                name,
                count,
                tuple(sorted(self.observed.get(name, ()))),
                tuple(sorted(self.expected.get(name, ()))),
            )
            for name, count in sorted(self.records.items())
        )


class ProfileBuilder:
    def __init__(self, model: TopLevelModel) -> None:
        self._model = model
        self._shapes: Counter[Shape] = Counter()
        self._fields: dict[str, Counter[str]] = {}
        self._sampled = 0
        self._non_object = 0
        self._unexpected = _Signals()
        self._missing = _Signals()
        self._type_changes = _Signals()
        self._described: set[str] = set()  # top-level names the model was found to describe
        self._truncated = False

    def add_sample(self, record: Any) -> None:
        """Count one sampled record's top-level shape."""
        self._sampled += 1
        if type(record) is not dict:
            self._non_object += 1
            return
        self._shapes[(tuple(record), tuple(map(type, record.values())))] += 1
        if len(self._shapes) > MAX_SHAPES:
            self._fold()

    def add_undescribed(self, record: dict[str, Any]) -> None:
        """Count one record's top-level fields that the schema does not describe."""
        described = self._described
        if described.issuperset(record):
            return
        for name, value in record.items():
            if name in described:
                continue
            if self._model.describes(name):
                if len(described) < MAX_FIELDS:
                    described.add(name)
                continue
            where = child("", name)
            rule = "additionalProperties"
            self._count(self._unexpected, Violation(where, rule, "", True, where, json_type(value)))

    def add_violations(self, violations: Iterable[Violation]) -> None:
        """Count one record's drift: each field pattern once per record, whatever its array items.
        Top-level unexpected fields are left to `add_undescribed`, which reads the record."""
        seen: set[tuple[str, str]] = set()
        for violation in violations:
            if not violation.shape:
                continue
            rule = violation.rule
            if rule == "required":
                bucket = self._missing
            elif rule == "type":
                bucket = self._type_changes
            elif violation.observed is not None and violation.field.count("/") > 1:
                bucket = self._unexpected
            else:
                continue
            key = (rule, violation.field)
            if key in seen:
                continue
            seen.add(key)
            self._count(bucket, violation)

    def _count(self, bucket: _Signals, violation: Violation) -> None:
        if violation.field in bucket.records or len(bucket) < MAX_FIELDS:
            bucket.add(violation)
        else:
            self._truncated = True

    def _fold(self) -> None:
        for (keys, types), count in self._shapes.items():
            for name, kind in zip(keys, types, strict=True):
                counts = self._fields.get(name)
                if counts is None:
                    if len(self._fields) >= MAX_FIELDS:
                        self._truncated = True
                        continue
                    counts = self._fields[name] = Counter()
                counts[JSON_TYPES.get(kind) or kind.__name__] += count
        self._shapes.clear()

    def build(self, records: int) -> BatchProfile:
        """The profile of a batch of `records` JSON records."""
        self._fold()
        fields = {
            child("", name): FieldStats(sum(types.values()), dict(types), self._model.describes(name))
            for name, types in sorted(self._fields.items())
        }
        return BatchProfile(
            records=records,
            sampled=self._sampled,
            non_object=self._non_object,
            fields=fields,
            unexpected=self._unexpected.signals(),
            missing_required=self._missing.signals(),
            type_changes=self._type_changes.signals(),
            truncated=self._truncated,
        )


def drift_signals(profile: BatchProfile) -> tuple[DriftedField, ...]:
    """The profile's drift as contract `DriftedField`s, for verdict events."""
    out: list[DriftedField] = []
    for kind, signals in (
        (FieldDriftKind.UNEXPECTED, profile.unexpected),
        (FieldDriftKind.MISSING, profile.missing_required),
        (FieldDriftKind.TYPE_CHANGED, profile.type_changes),
    ):
        out.extend(
            DriftedField(
                pointer=signal.pointer,
                kind=kind,
                observed_types=signal.observed,
                expected_types=signal.expected,
                records=signal.records,
            )
            for signal in signals
        )
    return tuple(out)
