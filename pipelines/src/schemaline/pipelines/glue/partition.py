"""One partition of a Glue job run, whichever engine runs it: check, transform, check, write.

Spark runs one `PartitionRun` per partition inside `mapPartitions`; the plain-Python path runs one
over the whole object, fed chunk by chunk. Either way nothing but the current lines, the rejects'
first errors and a fold's partial result stays in memory. A record the input schema rejects is
left out and written, with every reason, to the partition's quarantine; the rest are transformed
and (map stages) checked against the output schema before they are written out.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from schemaline.contracts import OnDrift, QuarantineLine, RuleViolation, StagePolicy
from schemaline.pipelines.glue.transforms import FoldStage, MapStage, StageTransform
from schemaline.sdk.validation import BatchSession, Counts, RejectedRecord, ValidationEngine

Sink = Callable[[bytes], None]
FIRST_ERRORS = 20  # the first violations travel in PipelineFailed; the quarantine has them all


@functools.cache
def shared_engine() -> ValidationEngine:
    """One engine per process: each schema compiles once per Spark executor (Python worker)."""
    return ValidationEngine()


@dataclass(frozen=True, slots=True)
class Checked:
    """A schema a partition checks records against, with the stage policy that judges the counts."""

    fqid: str
    schema: Any
    policy: StagePolicy


@dataclass(frozen=True, slots=True)
class PartitionPlan:
    """Everything a partition needs, small and picklable: Spark ships it to every task."""

    pipeline_id: str
    run_id: str
    source_uri: str
    reads: Checked
    writes: Checked
    transform: StageTransform
    post_check: bool = True  # map stages: check each transformed record (the contract's post-transform)

    @property
    def pre_policy(self) -> StagePolicy:
        # Drifted input was quarantined upstream; the contract's on_drift speaks of this stage's output.
        return self.reads.policy.model_copy(update={"on_drift": OnDrift.QUARANTINE})


@dataclass(frozen=True, slots=True)
class Located:
    """A violation of the record at `position` (in the partition's input, or in its output)."""

    position: int
    violation: RuleViolation


@dataclass(slots=True)
class PartitionStats:
    """What one partition read, left out and wrote. `records_in = quarantined + passed`."""

    index: int
    records_in: int = 0
    quarantined: int = 0
    records_out: int = 0
    pre: Counts = field(default_factory=Counts)
    post: Counts = field(default_factory=Counts)
    pre_errors: list[Located] = field(default_factory=list)
    post_errors: list[Located] = field(default_factory=list)
    partial: Any = None  # a fold stage's partial result
    # Time spent in the pre-job and post-transform checks (not parsing, transforming or writing).
    pre_ms: float = 0.0
    post_ms: float = 0.0

    @property
    def passed(self) -> int:
        return self.pre.valid


def _first_errors(into: list[Located], rejected: RejectedRecord, position: int) -> None:
    for error in rejected.errors:
        if len(into) >= FIRST_ERRORS:
            return
        into.append(Located(position, error))


class PartitionRun:
    """Feed it lines (bytes or str, blank ones skipped) in groups, then `finish()` for its stats."""

    def __init__(self, plan: PartitionPlan, index: int, *, out: Sink, quarantine: Sink) -> None:
        engine = shared_engine()
        self._plan = plan
        self._out = out
        self._quarantine = quarantine
        self._stats = PartitionStats(index)
        self._when = datetime.now(UTC)
        self._rejected: list[RejectedRecord] = []
        self._pre = engine.session(plan.reads.schema, plan.pre_policy, sink=self._pre_reject)
        self._post: BatchSession | None = None
        self._fold: FoldStage | None = None
        self._map: MapStage | None = None
        if isinstance(plan.transform, FoldStage):
            self._fold = plan.transform
            self._stats.partial = plan.transform.empty()
        else:
            self._map = plan.transform
            if plan.post_check:
                self._post = engine.session(plan.writes.schema, plan.writes.policy, sink=self._post_reject)
        self._not_json = 0

    def feed(self, lines: Sequence[bytes | str]) -> None:
        stats = self._stats
        base = stats.records_in
        parsed: list[Any] = []
        positions: list[int] = []  # input position of each parsed record
        bad: list[QuarantineLine] = []
        for line in lines:
            if not line.strip():
                continue
            position = base + len(parsed) + len(bad)
            try:
                parsed.append(orjson.loads(line))
            except orjson.JSONDecodeError as exc:
                raw = line if isinstance(line, str) else line.decode("utf-8", "replace")
                bad.append(self._not_json_line(position, raw, exc))
                continue
            positions.append(position)
        stats.records_in += len(parsed) + len(bad)
        session_base = self._pre.records_seen
        started = time.perf_counter()
        self._pre.feed_records(parsed)
        stats.pre_ms += (time.perf_counter() - started) * 1000
        rejected, self._rejected = self._rejected, []
        dropped = {r.index - session_base for r in rejected}
        for reject in rejected:
            position = positions[reject.index - session_base]
            _first_errors(stats.pre_errors, reject, position)
            bad.append(self._quarantine_line(position, reject))
        if bad:
            self._quarantine(b"".join(line.model_dump_json(by_alias=True).encode() + b"\n" for line in bad))
            stats.quarantined += len(bad)
        kept = [record for at, record in enumerate(parsed) if at not in dropped] if dropped else parsed
        if self._fold is not None:
            for record in kept:
                self._fold.add(stats.partial, record)
            return
        assert self._map is not None
        produced = self._map(kept)
        if self._post is not None:
            started = time.perf_counter()
            self._post.feed_records(produced)
            stats.post_ms += (time.perf_counter() - started) * 1000
        if produced:
            self._out(b"".join(orjson.dumps(record) + b"\n" for record in produced))
        stats.records_out += len(produced)

    def finish(self) -> PartitionStats:
        stats = self._stats
        started = time.perf_counter()
        pre = self._pre.finish().counts
        stats.pre_ms += (time.perf_counter() - started) * 1000
        stats.pre = Counts(pre.valid, pre.drift, pre.invalid + self._not_json)
        if self._post is not None:
            started = time.perf_counter()
            stats.post = self._post.finish().counts
            stats.post_ms += (time.perf_counter() - started) * 1000
        return stats

    def _pre_reject(self, rejected: RejectedRecord) -> None:
        self._rejected.append(rejected)

    def _post_reject(self, rejected: RejectedRecord) -> None:
        _first_errors(self._stats.post_errors, rejected, rejected.index)

    def _not_json_line(self, position: int, raw: str, exc: Exception) -> QuarantineLine:
        self._not_json += 1
        reason = RuleViolation(pointer="", rule="json", message=f"not JSON: {exc}")
        return self._line(position, "invalid", None, raw, (reason,))

    def _quarantine_line(self, position: int, rejected: RejectedRecord) -> QuarantineLine:
        return self._line(position, rejected.record_class.value, rejected.record, None, rejected.errors)

    def _line(
        self, position: int, kind: str, record: Any, raw: str | None, reasons: Iterable[RuleViolation]
    ) -> QuarantineLine:
        plan = self._plan
        return QuarantineLine.model_validate(
            {
                "position": position,
                "class": kind,
                "record": record,
                "raw": raw,
                "reasons": tuple(reasons),
                "fqid": plan.reads.fqid,
                "pipeline_id": plan.pipeline_id,
                "run_id": plan.run_id,
                "object_uri": plan.source_uri,
                "quarantined_at": self._when,
            }
        )


def run_partition(
    plan: PartitionPlan,
    index: int,
    lines: Iterable[bytes | str],
    *,
    out: Sink,
    quarantine: Sink,
    group: int = 1024,
) -> PartitionStats:
    """Run a whole partition from an iterable of lines, `group` lines at a time."""
    run = PartitionRun(plan, index, out=out, quarantine=quarantine)
    batch: list[bytes | str] = []
    for line in lines:
        batch.append(line)
        if len(batch) == group:
            run.feed(batch)
            batch = []
    run.feed(batch)
    return run.finish()
