"""The lineage API: a run's trace, a dataset's lineage, a pipeline's runs, OpenLineage export, redrive."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Path, Query, Request
from pydantic import BaseModel

from schemaline.lineage_writer.export import export_runs
from schemaline.lineage_writer.openlineage import RunEventBuilder, as_dict
from schemaline.lineage_writer.queries import dataset_lineage, pipeline_runs, run_trace
from schemaline.lineage_writer.redrive import redrive
from schemaline.lineage_writer.settings import SERVICE
from schemaline.lineage_writer.store import LineageReader
from schemaline.runtime.bus import EventBus
from schemaline.runtime.http.app import create_api_app
from schemaline.runtime.http.auth import Operator, Reader, TokenTable
from schemaline.runtime.http.errors import InvalidRequestError, NotFoundError, error_responses

router = APIRouter(prefix="/lineage", tags=["lineage"])
RunIdParam = Annotated[str, Path(max_length=200)]
Since = Annotated[datetime | None, Query(description="ISO-8601 start (inclusive)")]
Until = Annotated[datetime | None, Query(description="ISO-8601 end (exclusive)")]


class RedriveOut(BaseModel):
    republished: int
    unreadable: int


def _reader(request: Request) -> LineageReader:
    reader: LineageReader = request.app.state.reader
    return reader


@router.get("/runs/{run_id}", response_model=dict[str, Any], responses=error_responses(404))
async def get_run(request: Request, run_id: RunIdParam, _: Reader) -> dict[str, Any]:
    """A run's full trace: events, inputs, outputs, the run it re-ran, its re-runs."""
    trace = await run_trace(_reader(request), run_id)
    if trace is None:
        raise NotFoundError(f"no lineage recorded for run {run_id}")
    return trace.as_dict()


@router.get("/runs/{run_id}/openlineage", response_model=list[dict[str, Any]], responses=error_responses(404))
async def get_run_openlineage(request: Request, run_id: RunIdParam, _: Reader) -> list[dict[str, Any]]:
    """The run as OpenLineage RunEvents."""
    events = await export_runs(_reader(request), request.app.state.builder, run_ids=[run_id])
    if not events:
        raise NotFoundError(f"no lineage recorded for run {run_id}")
    return [as_dict(event) for event in events]


@router.get("/pipelines/{pipeline_id}/runs", response_model=list[dict[str, Any]])
async def get_pipeline_runs(
    request: Request,
    pipeline_id: Annotated[str, Path(max_length=200)],
    _: Reader,
    since: Since = None,
    until: Until = None,
) -> list[dict[str, Any]]:
    """Runs of a pipeline with an event in [since, until), oldest first."""
    return [run.as_dict() for run in await pipeline_runs(_reader(request), pipeline_id, since, until)]


@router.get("/datasets", response_model=dict[str, Any])
async def get_dataset(
    request: Request,
    uri: Annotated[str, Query(min_length=1, max_length=2000, description="Dataset URI or prefix")],
    _: Reader,
    depth: Annotated[int, Query(ge=1, le=100, description="Hops to follow each way")] = 10,
) -> dict[str, Any]:
    """A dataset's upstream and downstream runs."""
    return (await dataset_lineage(_reader(request), uri, max_depth=depth)).as_dict()


@router.get("/openlineage", response_model=list[dict[str, Any]], responses=error_responses(422))
async def export(
    request: Request,
    _: Reader,
    run_id: Annotated[list[str], Query(max_length=500, description="Runs to export (repeatable)")] = [],  # noqa: B006
    pipeline_id: Annotated[str | None, Query(max_length=200)] = None,
    since: Since = None,
    until: Until = None,
) -> list[dict[str, Any]]:
    """OpenLineage RunEvents of the given runs and/or of a pipeline's runs in [since, until)."""
    if not run_id and pipeline_id is None:
        raise InvalidRequestError("say what to export: run_id and/or pipeline_id", pointer="/run_id")
    events = await export_runs(
        _reader(request),
        request.app.state.builder,
        run_ids=run_id,
        pipeline_id=pipeline_id,
        since=since,
        until=until,
    )
    return [as_dict(event) for event in events]


@router.post("/redrive", response_model=RedriveOut)
async def redrive_dead_letters(request: Request, _: Operator) -> RedriveOut:
    """PIPE-1402's action: republish the lineage writer's dead-lettered events."""
    republished, unreadable = await redrive(request.app.state.bus, request.app.state.service_name)
    return RedriveOut(republished=republished, unreadable=unreadable)


def create_app(
    *,
    reader: LineageReader,
    builder: RunEventBuilder,
    tokens: TokenTable,
    bus: EventBus,
    service_name: str = SERVICE,
) -> FastAPI:
    """The API over the lineage store; redrive reads `service_name`'s dead letters from `bus`."""
    return create_api_app(
        title="Schemaline lineage",
        description="Run and dataset lineage, OpenLineage export, and redrive of the writer's dead letters.",
        tokens=tokens,
        routers=[router],
        state={"reader": reader, "builder": builder, "bus": bus, "service_name": service_name},
    )
