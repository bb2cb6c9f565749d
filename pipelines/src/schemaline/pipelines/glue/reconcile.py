"""A run's partitions added up, the verdicts' failures as `StageFailure`s, and the reconciliation
that must hold before a batch is announced: input = left out + passed on, and uploaded = written."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemaline.contracts import PipeCode, RuleViolation
from schemaline.pipelines.checks import StageFailure
from schemaline.pipelines.glue.partition import FIRST_ERRORS, Located, PartitionStats
from schemaline.pipelines.glue.staging import Landed
from schemaline.sdk.validation import BatchVerdict, Counts


class ReconciliationError(AssertionError):
    """Counts that must match do not: a bug, never a data problem. The run fails loudly (Glue marks
    it failed) instead of announcing a batch that lost records."""


def _add(a: Counts, b: Counts) -> Counts:
    return Counts(a.valid + b.valid, a.drift + b.drift, a.invalid + b.invalid)


@dataclass(slots=True)
class Totals:
    records_in: int = 0
    quarantined: int = 0
    records_out: int = 0
    pre: Counts = field(default_factory=Counts)
    post: Counts = field(default_factory=Counts)
    pre_ms: float = 0.0  # summed over partitions: the checks' CPU time, whatever ran in parallel
    post_ms: float = 0.0
    # Pointers into the run's input (pre) or output (post): `/<position>/<field>`, positions
    # counted across partitions in partition order.
    pre_errors: list[RuleViolation] = field(default_factory=list)
    post_errors: list[RuleViolation] = field(default_factory=list)

    @classmethod
    def of(cls, partitions: list[PartitionStats]) -> Totals:
        totals = cls()
        for stats in partitions:
            if stats.records_in != stats.quarantined + stats.passed or stats.pre.total != stats.records_in:
                raise ReconciliationError(
                    f"partition {stats.index}: {stats.records_in} records in, {stats.quarantined} "
                    f"quarantined, {stats.passed} passed ({stats.pre.to_dict()})"
                )
            _locate(totals.pre_errors, stats.pre_errors, totals.records_in)
            _locate(totals.post_errors, stats.post_errors, totals.records_out)
            totals.records_in += stats.records_in
            totals.quarantined += stats.quarantined
            totals.records_out += stats.records_out
            totals.pre = _add(totals.pre, stats.pre)
            totals.post = _add(totals.post, stats.post)
            totals.pre_ms += stats.pre_ms
            totals.post_ms += stats.post_ms
        return totals


def _locate(into: list[RuleViolation], found: list[Located], base: int) -> None:
    for item in found[: max(0, FIRST_ERRORS - len(into))]:
        pointer = f"/{base + item.position}{item.violation.pointer}"
        into.append(item.violation.model_copy(update={"pointer": pointer}))


def failure(verdict: BatchVerdict, what: str, violations: list[RuleViolation]) -> StageFailure:
    return StageFailure(verdict.code or PipeCode.VALIDATION_FAILED, f"{what}: {verdict.reason}", violations)


def check_landed(totals: Totals, landed: Landed, records_out: int) -> None:
    """What went up is what the partitions wrote: nothing lost between them and the store."""
    if landed.records != records_out or landed.quarantined != totals.quarantined:
        raise ReconciliationError(
            f"partitions wrote {records_out} records and left out {totals.quarantined}; "
            f"the store received {landed.records} and {landed.quarantined}"
        )
