"""Where a run's batch lands, and what run ids look like."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from schemaline.contracts import RunId

PART = "part-00000.jsonl"
# The seed's date partitioning (`s3://warehouse/gdp/invoice/2025/10/07/`), the run inside the day.
DEFAULT_LAYOUT = "{yyyy}/{mm}/{dd}/run={run_id}/"
_FIELDS = ("yyyy", "mm", "dd", "run_id")


class LayoutError(ValueError):
    """A layout that would let runs overwrite each other, or names a field there is none of."""


def new_run_id(prefix: str = "jr") -> RunId:
    """`jr-2a8bc9a1b1` (a Glue job run), `lr-…` (a Lambda invocation)."""
    return RunId(f"{prefix}-{uuid.uuid4().hex[:10]}")


def check_layout(layout: str) -> str:
    """The layout, if it places each run in its own folder (`{run_id}`) and names only
    `{yyyy}`, `{mm}`, `{dd}` (the run's start day, UTC) and `{run_id}`."""
    if "{run_id}" not in layout:
        raise LayoutError(
            f"output layout {layout!r} must contain {{run_id}}: runs would overwrite each other"
        )
    try:
        layout.format(**dict.fromkeys(_FIELDS, "x"))
    except (KeyError, IndexError, ValueError) as exc:
        raise LayoutError(f"output layout {layout!r}: {exc!r} (fields: {', '.join(_FIELDS)})") from None
    return layout


def output_object(
    output_path: str, run_id: RunId, *, layout: str = DEFAULT_LAYOUT, started: datetime | None = None
) -> str:
    """An `--output-path` ending in `.jsonl` is the object itself; otherwise it is a prefix and the
    run writes `PREFIX/<layout>/part-00000.jsonl`: by default `PREFIX/2025/10/07/run=RUN_ID/…`,
    the day the run started (UTC), so runs never overwrite each other."""
    if output_path.endswith(".jsonl"):
        return output_path
    day = (started or datetime.now(UTC)).astimezone(UTC)
    folder = check_layout(layout).format(
        yyyy=f"{day.year:04d}", mm=f"{day.month:02d}", dd=f"{day.day:02d}", run_id=run_id
    )
    return f"{output_path.rstrip('/')}/{folder.strip('/')}/{PART}"


def quarantine_prefix(output_uri: str) -> str:
    """Where a run writes the records it left out: `_quarantine/` beside its output object
    (readers of a folder skip `_`-prefixed names, as Spark and Hive do)."""
    return f"{output_uri.rsplit('/', 1)[0]}/_quarantine/"
