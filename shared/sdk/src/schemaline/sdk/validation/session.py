"""One batch being validated: feed it JSON Lines chunks or records, then `finish()` for the result.

The hot loop parses a line, checks it with the compiled validator and counts its top-level shape;
it keeps nothing of a valid record, so memory stays bounded by the chunk size and the rejects.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import orjson

from schemaline.contracts import RuleViolation, StagePolicy
from schemaline.sdk.validation.compiled import CompiledSchema
from schemaline.sdk.validation.profile import ProfileBuilder, drift_signals
from schemaline.sdk.validation.results import BatchResult, Counts, RecordClass, RejectedRecord
from schemaline.sdk.validation.rules import JSON_RULE, Violation, translate, unexpected_only
from schemaline.sdk.validation.verdict import decide

RejectSink = Callable[[RejectedRecord], None]
_NO_KEYS: tuple[str, ...] = ()
_NO_TYPES: tuple[type, ...] = ()


class BatchSession:
    """Incremental validation of one batch against one compiled schema.

    `sink`, when given, receives every rejected record as it is found and the result keeps none
    (the way to validate a batch of any size in bounded memory).
    """

    def __init__(self, compiled: CompiledSchema, policy: StagePolicy, *, sink: RejectSink | None = None):
        self._compiled = compiled
        self._policy = policy
        self._sink = sink
        self._rejected: list[RejectedRecord] = []
        self._profile = ProfileBuilder(compiled.top_level)
        self._pending = b""
        self._index = 0
        self._line = 0
        self._valid = 0
        self._drift = 0
        self._invalid = 0
        self._bytes = 0
        self._seconds = 0.0
        # The current run of records sharing one top-level shape.
        self._run_keys = _NO_KEYS
        self._run_types = _NO_TYPES
        self._run = 0
        self._finished = False

    # -- input -------------------------------------------------------------------------------

    def feed(self, chunk: bytes) -> None:
        """Feed the next bytes of a JSON Lines stream; chunks may split lines anywhere."""
        started = time.perf_counter()
        self._bytes += len(chunk)
        data = self._pending + chunk if self._pending else bytes(chunk)
        lines = data.split(b"\n")
        self._pending = lines.pop()
        self._lines(lines)
        self._seconds += time.perf_counter() - started

    def feed_records(self, records: Iterable[Any]) -> None:
        """Feed already-parsed records (an iterable of JSON values)."""
        started = time.perf_counter()
        self._records(records)
        self._seconds += time.perf_counter() - started

    def finish(self) -> BatchResult:
        if self._finished:
            raise RuntimeError("this batch session has already finished")
        self._finished = True
        started = time.perf_counter()
        if self._pending:
            self._lines([self._pending])
            self._pending = b""
        self._end_run()
        counts = Counts(self._valid, self._drift, self._invalid)
        profile = self._profile.build()
        self._seconds += time.perf_counter() - started
        return BatchResult(
            fingerprint=self._compiled.fingerprint,
            counts=counts,
            rejected=tuple(self._rejected),
            profile=profile,
            drift_signals=drift_signals(profile),
            verdict=decide(counts, self._policy),
            validation_ms=self._seconds * 1000.0,
            bytes_read=self._bytes,
            schema=self._compiled.schema,
        )

    # -- hot loops ---------------------------------------------------------------------------

    def _lines(self, lines: list[bytes]) -> None:
        loads = orjson.loads
        decode_error = orjson.JSONDecodeError
        is_valid = self._compiled.validator.is_valid
        twin = self._compiled.twin
        line_no = self._line
        valid = 0
        run_keys, run_types, run = self._run_keys, self._run_types, self._run
        for raw in lines:
            line_no += 1
            try:
                record = loads(raw)
            except decode_error as exc:
                if raw.strip():
                    self._not_json(raw, line_no, exc)
                continue
            if type(record) is dict:
                keys = tuple(record)
                types = tuple(map(type, record.values()))
                if types == run_types and keys == run_keys:
                    run += 1
                else:
                    if run:
                        self._profile.add_shape(run_keys, run_types, run)
                    run_keys, run_types, run = keys, types, 1
            else:
                self._profile.add_non_object()
            if is_valid(record):
                valid += 1
                if twin is not None and not twin.is_valid(record):
                    self._undescribed(record)
            else:
                self._reject(record, line_no)
            self._index += 1
        self._line = line_no
        self._valid += valid
        self._run_keys, self._run_types, self._run = run_keys, run_types, run

    def _records(self, records: Iterable[Any]) -> None:
        is_valid = self._compiled.validator.is_valid
        twin = self._compiled.twin
        run_keys, run_types, run = self._run_keys, self._run_types, self._run
        valid = 0
        for record in records:
            if type(record) is dict:
                keys = tuple(record)
                types = tuple(map(type, record.values()))
                if types == run_types and keys == run_keys:
                    run += 1
                else:
                    if run:
                        self._profile.add_shape(run_keys, run_types, run)
                    run_keys, run_types, run = keys, types, 1
            else:
                self._profile.add_non_object()
            if is_valid(record):
                valid += 1
                if twin is not None and not twin.is_valid(record):
                    self._undescribed(record)
            else:
                self._reject(record, None)
            self._index += 1
        self._valid += valid
        self._run_keys, self._run_types, self._run = run_keys, run_types, run

    def _end_run(self) -> None:
        if self._run:
            self._profile.add_shape(self._run_keys, self._run_types, self._run)
        self._run_keys, self._run_types, self._run = _NO_KEYS, _NO_TYPES, 0

    # -- the rare paths ----------------------------------------------------------------------

    def _not_json(self, raw: bytes, line_no: int, exc: Exception) -> None:
        error = RuleViolation(pointer="", rule=JSON_RULE, message=f"not JSON: {exc}")
        self._keep(RejectedRecord(self._index, RecordClass.INVALID, (error,), line=line_no, raw=bytes(raw)))
        self._invalid += 1
        self._index += 1

    def _reject(self, record: Any, line_no: int | None) -> None:
        violations: list[Violation] = [
            violation
            for error in self._compiled.validator.iter_errors(record)
            for violation in translate(error)
        ]
        self._profile.add_violations(violations)
        drift = bool(violations) and all(violation.shape for violation in violations)
        if drift:
            self._drift += 1
        else:
            self._invalid += 1
        errors = tuple(RuleViolation(pointer=v.pointer, rule=v.rule, message=v.message) for v in violations)
        record_class = RecordClass.DRIFT if drift else RecordClass.INVALID
        self._keep(RejectedRecord(self._index, record_class, errors, line=line_no, record=record))

    def _undescribed(self, record: Any) -> None:
        """A valid record the closed twin rejects: count the fields the open models let through."""
        assert self._compiled.twin is not None
        found: list[Violation] = []
        for error in self._compiled.twin.iter_errors(record):
            found.extend(unexpected_only(error) or ())
        self._profile.add_violations(found)

    def _keep(self, rejected: RejectedRecord) -> None:
        if self._sink is not None:
            self._sink(rejected)
        else:
            self._rejected.append(rejected)
