"""The batch verdict a stage policy gives for a batch's counts."""

from __future__ import annotations

from schemaline.contracts import OnDrift, PipeCode, StagePolicy
from schemaline.sdk.validation.results import BatchVerdict, Counts, Outcome


def decide(counts: Counts, policy: StagePolicy) -> BatchVerdict:
    """Too many invalid records fail the batch (PIPE-1002); otherwise any drifted record makes it
    drift (PIPE-1204), or fail when the policy says so; otherwise it passes. Invalid records within
    `max_invalid_ratio` pass and are quarantined. An empty batch passes."""
    total = counts.total
    if total and counts.invalid / total > policy.max_invalid_ratio:
        return BatchVerdict(
            Outcome.FAIL,
            PipeCode.VALIDATION_FAILED,
            f"{counts.invalid} of {total} records invalid ({counts.invalid / total:.2%}), "
            f"above the stage's max_invalid_ratio of {policy.max_invalid_ratio:.2%}",
        )
    if counts.drift:
        said = f"{counts.drift} of {total} records drifted from the schema's shape"
        if policy.on_drift is OnDrift.FAIL:
            return BatchVerdict(Outcome.FAIL, PipeCode.DRIFT_DETECTED, f"{said}; the stage fails on drift")
        return BatchVerdict(Outcome.DRIFT, PipeCode.DRIFT_DETECTED, f"{said}; they are quarantined")
    if counts.invalid:
        return BatchVerdict(
            Outcome.PASS, None, f"{counts.invalid} of {total} records invalid, within max_invalid_ratio"
        )
    return BatchVerdict(Outcome.PASS, None, f"all {total} records valid")
