"""A run's execution metadata: when it ran, for how long, its record counts, which code.

Pipeline stages state it in their events; so does the drift detector for the re-runs it submits."""

from __future__ import annotations

import importlib.metadata
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from schemaline.contracts import RunExecution

CODE_VERSION_ENV = "SCHEMALINE_CODE_VERSION"  # the image tag, set by the image or the job definition


def code_version(distribution: str = "schemaline-pipelines") -> str:
    """`SCHEMALINE_CODE_VERSION` when the deployment sets it (the image tag), else the version of the
    installed `distribution` (the wheel that ran)."""
    given = os.environ.get(CODE_VERSION_ENV, "").strip()
    if given:
        return given
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True, slots=True)
class RunClock:
    """Started with the run; `resolving` times its schema resolves; `finish` says how it went."""

    distribution: str = "schemaline-pipelines"
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    _started: float = field(default_factory=time.perf_counter)
    _resolves: list[float] = field(default_factory=list)

    @contextmanager
    def resolving(self) -> Iterator[None]:
        """Adds the time the block takes (a resolve, answered or not) to the run's `resolve_ms`."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self._resolves.append((time.perf_counter() - started) * 1000.0)

    def finish(
        self, *, records_in: int = 0, records_out: int = 0, quarantined: int = 0, skipped: int = 0
    ) -> RunExecution:
        elapsed_ms = (time.perf_counter() - self._started) * 1000.0
        return RunExecution(
            started_at=self.started_at,
            ended_at=datetime.now(UTC),
            duration_ms=round(elapsed_ms, 3),
            records_in=records_in,
            records_out=records_out,
            records_quarantined=quarantined,
            records_skipped=skipped,
            code_version=code_version(self.distribution),
            resolve_ms=round(sum(self._resolves), 3) if self._resolves else None,
        )
