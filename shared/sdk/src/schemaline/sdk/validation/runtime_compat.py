"""Runtime compatibility enforcement: a stage must be able to read what the writer wrote."""

from __future__ import annotations

from schemaline.contracts import ChangeSummary, Fqid, PipeCode, PipeError
from schemaline.sdk import compat
from schemaline.sdk.validation.fingerprint import JsonSchema


class IncompatibleSchemaError(PipeError):
    """PIPE-1103, with the compatibility verdict and its incompatible changes."""

    def __init__(self, message: str, verdict: compat.Verdict) -> None:
        super().__init__(PipeCode.INCOMPATIBLE_SCHEMA, message)
        self.verdict = verdict

    @property
    def changes(self) -> tuple[ChangeSummary, ...]:
        """The incompatible changes, ready for `PipelineFailed.changes`."""
        return tuple(
            ChangeSummary(
                type=change.type,
                path=change.path,
                compatible=change.compatible,
                message=change.message,
                suggestion=change.suggestion,
            )
            for change in self.verdict.changes
            if not change.compatible
        )


def check_reader_writer(
    reader_schema: JsonSchema,
    writer_schema: JsonSchema,
    *,
    reader_fqid: Fqid | None = None,
    writer_fqid: Fqid | None = None,
    policy: compat.Policy = compat.Policy.STRICT,
) -> compat.Verdict:
    """Check, before reading any record, that data written under `writer_schema` can be read with
    `reader_schema` (BACKWARD: the reader is the candidate, the writer its history).

    Returns the verdict when compatible; raises `IncompatibleSchemaError` (PIPE-1103) otherwise.
    """
    verdict = compat.check(reader_schema, [writer_schema], level=compat.Level.BACKWARD, policy=policy)
    if verdict.compatible:
        return verdict
    reader = str(reader_fqid) if reader_fqid else "the reader's schema"
    writer = str(writer_fqid) if writer_fqid else "the writer's schema"
    first = next((change for change in verdict.changes if not change.compatible), None)
    detail = f"; first: {first.type} at {first.path}: {first.message}" if first else ""
    raise IncompatibleSchemaError(f"{reader} cannot read data written under {writer}{detail}", verdict)
