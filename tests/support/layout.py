"""Where a run's output lands under the default layout: `YYYY/MM/DD/run=RUN_ID`, the day it started."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def run_folder(run_id: str, started: datetime | None = None) -> str:
    day = (started or datetime.now(UTC)).astimezone(UTC)
    return f"{day:%Y/%m/%d}/run={run_id}"


def folder_of(envelope: Any) -> str:
    """The run folder a stage's event says it wrote to (from its execution's start)."""
    detail = envelope.detail
    return run_folder(detail.run_id, detail.execution.started_at)
