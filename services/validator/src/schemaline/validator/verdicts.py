"""Turn a batch result into the one verdict event the validator emits for it."""

from __future__ import annotations

from collections.abc import Sequence

from schemaline.contracts import (
    BatchLanded,
    ChangeSummary,
    EventDetail,
    Fqid,
    PipeCode,
    PipelineFailed,
    RuleViolation,
    SchemaDriftDetected,
    SchemaValidated,
)
from schemaline.sdk.compat import Verdict
from schemaline.sdk.validation import BatchResult, Outcome

COMPONENT = "validator"


def verdict_event(
    landed: BatchLanded,
    fqid: Fqid,
    result: BatchResult,
    quarantine: str | None,
    violations: Sequence[RuleViolation] = (),
) -> EventDetail:
    outcome = result.verdict.outcome
    counts = result.counts
    # What every verdict about this batch says, whichever it is.
    batch = {
        "pipeline_id": landed.pipeline_id,
        "run_id": landed.run_id,
        "layer": landed.layer,
        "schema_fqid": fqid,
        "object_uri": landed.object_uri,
        "record_count": counts.total,
        "quarantine_uri": quarantine,
        "rerun_of": landed.rerun_of,
        "drift_case_id": landed.drift_case_id,
    }
    if outcome is Outcome.PASS:
        return SchemaValidated.model_validate(
            batch
            | {
                "valid_count": counts.valid,
                "quarantined_count": counts.rejected,
                "drift_signals": result.drift_signals,
                "validation_ms": result.validation_ms,
            }
        )
    if outcome is Outcome.DRIFT:
        return SchemaDriftDetected.model_validate(
            batch
            | {
                "fields": result.drift_signals,
                "drifted_count": counts.drift,
                "invalid_count": counts.invalid,
            }
        )
    return failed(
        landed,
        result.verdict.code or PipeCode.VALIDATION_FAILED,
        f"{result.verdict.reason}; rejected records are in {quarantine}",
        schema_ref=str(fqid),
        violations=tuple(violations),
    )


def failed(
    landed: BatchLanded,
    code: PipeCode,
    message: str,
    *,
    schema_ref: str | None = None,
    violations: tuple[RuleViolation, ...] = (),
    compat: Verdict | None = None,
) -> PipelineFailed:
    changes: tuple[ChangeSummary, ...] = ()
    if compat is not None:
        changes = tuple(
            ChangeSummary(
                type=change.type,
                path=change.path,
                compatible=change.compatible,
                message=change.message,
                suggestion=change.suggestion,
            )
            for change in compat.changes
            if not change.compatible
        )
    return PipelineFailed.model_validate(
        {
            "pipeline_id": landed.pipeline_id,
            "run_id": landed.run_id,
            "layer": landed.layer,
            "code": code,
            "message": message,
            "component": COMPONENT,
            "schema_ref": schema_ref or (str(landed.declared_fqid) if landed.declared_fqid else None),
            "object_uri": landed.object_uri,
            "violations": violations,
            "changes": changes,
        }
    )
