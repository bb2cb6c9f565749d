"""Builds a batch profile cheaply: top-level shapes counted per run of equal shapes, drift from errors.

Records in a batch mostly share one shape, so the hot path only builds the record's key and type
tuples and compares them with the previous record's; each run of equal shapes is counted once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from schemaline.contracts import DriftedField, FieldDriftKind
from schemaline.sdk.validation.pointers import child
from schemaline.sdk.validation.results import BatchProfile, FieldSignal, FieldStats
from schemaline.sdk.validation.rules import JSON_TYPES, Violation
from schemaline.sdk.validation.shape import TopLevelModel

MAX_SHAPES = 1_000  # distinct shapes kept before they are folded into per-field counts
MAX_FIELDS = 10_000  # distinct field names or patterns tracked; beyond, the profile is truncated

Shape = tuple[tuple[str, ...], tuple[type, ...]]


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
        self._non_object = 0
        self._object_records = 0
        self._unexpected = _Signals()
        self._missing = _Signals()
        self._type_changes = _Signals()
        self._truncated = False

    def add_shape(self, keys: tuple[str, ...], types: tuple[type, ...], records: int) -> None:
        self._shapes[(keys, types)] += records
        self._object_records += records
        if len(self._shapes) > MAX_SHAPES:
            self._fold()

    def add_non_object(self) -> None:
        self._non_object += 1

    def add_violations(self, violations: Iterable[Violation]) -> None:
        """Count one record's drift: each field pattern once per record, whatever its array items.
        Top-level unexpected fields are left to the field counts, which see every record."""
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

    def build(self) -> BatchProfile:
        self._fold()
        fields = {
            child("", name): FieldStats(sum(types.values()), dict(types), self._model.describes(name))
            for name, types in sorted(self._fields.items())
        }
        top_unexpected = tuple(
            FieldSignal(pointer, stats.records, tuple(sorted(stats.types)))
            for pointer, stats in fields.items()
            if not stats.in_schema
        )
        return BatchProfile(
            records=self._object_records + self._non_object,
            non_object=self._non_object,
            fields=fields,
            unexpected=tuple(sorted(top_unexpected + self._unexpected.signals(), key=lambda s: s.pointer)),
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
