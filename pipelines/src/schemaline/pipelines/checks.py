"""The checks every stage makes, turned into `StageFailure` carrying the PIPE code to report."""

from __future__ import annotations

from collections.abc import Sequence

from schemaline.contracts import PipeCode, PipeError, RuleViolation, Selector
from schemaline.pipelines.ports import PinnedSchemas, Resolved
from schemaline.sdk.validation import BatchResult, Outcome


class StageFailure(Exception):  # noqa: N818 - reads as the condition
    """A stage cannot land its batch; becomes a `PipelineFailed` with `code`."""

    def __init__(self, code: PipeCode, message: str, violations: Sequence[RuleViolation] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.violations = tuple(violations)


async def resolve(pins: PinnedSchemas, selector: Selector | str) -> Resolved:
    """The pinned version; PIPE-1001 when the registry is unreachable, PIPE-1002 when nothing matches."""
    try:
        return await pins.resolve(selector)
    except PipeError as exc:
        raise StageFailure(exc.code, exc.message) from exc
    except LookupError as exc:
        raise StageFailure(PipeCode.VALIDATION_FAILED, f"no schema for {selector}: {exc}") from exc


def stop_on_failure(result: BatchResult, what: str, *, base: str = "") -> None:
    """Raise when the stage policy's verdict is `fail` (PIPE-1002, or PIPE-1204 on drift it fails on).

    Violation pointers point into the batch: `{base}/3/amount` is record 3's amount.
    """
    verdict = result.verdict
    if verdict.outcome is Outcome.FAIL:
        violations = [
            error.model_copy(update={"pointer": f"{base}/{record.index}{error.pointer}"})
            for record in result.rejected
            for error in record.errors
        ]
        raise StageFailure(
            verdict.code or PipeCode.VALIDATION_FAILED, f"{what}: {verdict.reason}", violations
        )
