"""The read API: a run's trace, a dataset's lineage, a pipeline's runs, OpenLineage export."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import FastAPI, HTTPException

from schemaline.lineage_writer.export import export_runs
from schemaline.lineage_writer.openlineage import RunEventBuilder, as_dict
from schemaline.lineage_writer.queries import dataset_lineage, pipeline_runs, run_trace
from schemaline.lineage_writer.store import LineageReader


def create_app(reader: LineageReader, builder: RunEventBuilder) -> FastAPI:
    app = FastAPI(title="Schemaline lineage", version="1")

    @app.get("/api/v1/lineage/runs/{run_id}")
    async def get_run(run_id: str) -> dict[str, Any]:
        trace = await run_trace(reader, run_id)
        if trace is None:
            raise HTTPException(status_code=404, detail=f"no lineage for run {run_id}")
        return trace.as_dict()

    @app.get("/api/v1/lineage/runs/{run_id}/openlineage")
    async def get_run_openlineage(run_id: str) -> list[dict[str, Any]]:
        events = await export_runs(reader, builder, run_ids=[run_id])
        if not events:
            raise HTTPException(status_code=404, detail=f"no lineage for run {run_id}")
        return [as_dict(event) for event in events]

    @app.get("/api/v1/lineage/pipelines/{pipeline_id}/runs")
    async def get_pipeline_runs(
        pipeline_id: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[dict[str, Any]]:
        return [run.as_dict() for run in await pipeline_runs(reader, pipeline_id, since, until)]

    @app.get("/api/v1/lineage/datasets")
    async def get_dataset(uri: str, depth: int = 10) -> dict[str, Any]:
        return (await dataset_lineage(reader, uri, max_depth=depth)).as_dict()

    return app
