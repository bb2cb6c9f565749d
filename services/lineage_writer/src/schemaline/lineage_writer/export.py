"""Export the stored lineage as OpenLineage RunEvents: for one run, or a pipeline's runs in a window."""

from __future__ import annotations

from datetime import datetime

from openlineage.client.event_v2 import RunEvent

from schemaline.lineage_writer.openlineage import RunEventBuilder
from schemaline.lineage_writer.store import LineageReader


async def export_runs(
    reader: LineageReader,
    builder: RunEventBuilder,
    *,
    run_ids: list[str] | None = None,
    pipeline_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[RunEvent]:
    ids = list(run_ids or [])
    if pipeline_id is not None:
        rows = await reader.events_for_pipeline(pipeline_id, since, until)
        ids += sorted({row.run_id for row in rows if row.run_id and row.run_id not in ids})
    rows = await reader.events_for_runs(ids)
    inputs: dict[str, list[str]] = {}
    for link in await reader.links_for_runs(ids):
        if (
            link.role == "input"
            and link.run_id is not None
            and link.uri not in inputs.setdefault(link.run_id, [])
        ):
            inputs[link.run_id].append(link.uri)
    return builder.events(rows, inputs)
