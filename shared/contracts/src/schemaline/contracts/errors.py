"""The PIPE error catalog: one typed table that errors, events and log lines all use."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class PipeCode(StrEnum):
    """A catalogued pipeline error code."""

    SCHEMA_FETCH_TIMEOUT = "PIPE-1001"
    VALIDATION_FAILED = "PIPE-1002"
    INCOMPATIBLE_SCHEMA = "PIPE-1103"
    OUTSIDE_CONTRACT = "PIPE-1104"
    DRIFT_DETECTED = "PIPE-1204"
    LAMBDA_INVOCATION_ERROR = "PIPE-1301"
    JOB_ERROR = "PIPE-1302"
    METADATA_SYNC_FAILURE = "PIPE-1402"
    EVENT_DEAD_LETTERED = "PIPE-1501"


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """What a code means and what the operator should do about it."""

    code: PipeCode
    condition: str
    action: str


CATALOG = MappingProxyType(
    {
        entry.code: entry
        for entry in (
            CatalogEntry(
                PipeCode.SCHEMA_FETCH_TIMEOUT,
                "Schema fetch timeout",
                "Check Registry API or network",
            ),
            CatalogEntry(
                PipeCode.VALIDATION_FAILED,
                "Validation failed",
                "Inspect envelope/payload errors",
            ),
            CatalogEntry(
                PipeCode.INCOMPATIBLE_SCHEMA,
                "Incompatible schema",
                "Blocked — request schema update",
            ),
            CatalogEntry(
                PipeCode.OUTSIDE_CONTRACT,
                "Declared schema outside the stage contract",
                "Declare a version the contract admits, or update the contract",
            ),
            CatalogEntry(
                PipeCode.DRIFT_DETECTED,
                "Drift detected",
                "Review quarantine and trigger fix",
            ),
            CatalogEntry(
                PipeCode.LAMBDA_INVOCATION_ERROR,
                "Lambda invocation error",
                "Retry or redeploy function",
            ),
            CatalogEntry(
                PipeCode.JOB_ERROR,
                "Uncatalogued job error",
                "Read the job's log for the exception, fix the cause, re-run the job",
            ),
            CatalogEntry(
                PipeCode.METADATA_SYNC_FAILURE,
                "Metadata sync failure",
                "Re-run metadata writer job",
            ),
            CatalogEntry(
                PipeCode.EVENT_DEAD_LETTERED,
                "Event dead-lettered",
                "Read the reason (schemaline dlq show), fix the cause, then schemaline dlq redrive",
            ),
        )
    }
)


class PipeError(Exception):
    """An error that carries its PIPE code, the operator action and, where known, a JSON Pointer."""

    def __init__(self, code: PipeCode, message: str, *, pointer: str | None = None) -> None:
        self.code = code
        self.message = message
        self.pointer = pointer
        super().__init__(self.render())

    @property
    def entry(self) -> CatalogEntry:
        return CATALOG[self.code]

    def render(self) -> str:
        where = f" at {self.pointer}" if self.pointer else ""
        return f"{self.code.value} {self.entry.condition}{where}: {self.message} ({self.entry.action})"

    def log_fields(self) -> dict[str, str]:
        """Fields to bind on a log line so every log of this error names its code and action."""
        fields = {"pipe_code": self.code.value, "operator_action": self.entry.action}
        if self.pointer:
            fields["pointer"] = self.pointer
        return fields
