"""Where a run's batch lands, and what run ids look like."""

from __future__ import annotations

import uuid

from schemaline.contracts import RunId

PART = "part-00000.jsonl"


def new_run_id(prefix: str = "jr") -> RunId:
    """`jr-2a8bc9a1b1` (a Glue job run), `lr-…` (a Lambda invocation)."""
    return RunId(f"{prefix}-{uuid.uuid4().hex[:10]}")


def output_object(output_path: str, run_id: RunId) -> str:
    """An `--output-path` ending in `.jsonl` is the object itself; otherwise it is a prefix and the
    run writes `PREFIX/RUN_ID/part-00000.jsonl`, so runs never overwrite each other."""
    if output_path.endswith(".jsonl"):
        return output_path
    return f"{output_path.rstrip('/')}/{run_id}/{PART}"


def quarantine_prefix(output_uri: str) -> str:
    """Where a run writes the records it left out: `_quarantine/` beside its output object
    (readers of a folder skip `_`-prefixed names, as Spark and Hive do)."""
    return f"{output_uri.rsplit('/', 1)[0]}/_quarantine/"
