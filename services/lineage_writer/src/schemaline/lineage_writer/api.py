"""The lineage API: a run's trace, a dataset's lineage, a pipeline's runs, OpenLineage export, redrive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Path, Query, Request
from pydantic import BaseModel, Field

from schemaline.contracts import new_envelope
from schemaline.lineage_writer.export import export_runs
from schemaline.lineage_writer.openlineage import RunEventBuilder, as_dict
from schemaline.lineage_writer.queries import (
    dataset_lineage,
    pipeline_runs,
    recent_runs,
    run_trace,
    slo_figures,
    verdict_stats,
)
from schemaline.lineage_writer.redrive import redrive
from schemaline.lineage_writer.rerun import plan_rerun
from schemaline.lineage_writer.settings import SERVICE
from schemaline.lineage_writer.store import LineageReader, RunWindow
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


class RunPageOut(BaseModel):
    total: int = Field(description="Runs the filters admit, across every page")
    runs: list[dict[str, Any]] = Field(description="This page's run summaries")


class HourOut(BaseModel):
    start: datetime
    counts: dict[str, int]


class StatsOut(BaseModel):
    since: datetime
    until: datetime
    counts: dict[str, int] = Field(description="Verdict events by validation result")
    hours: list[HourOut]


def _reader(request: Request) -> LineageReader:
    reader: LineageReader = request.app.state.reader
    return reader


RunStatus = Literal["running", "success", "drift", "failed", "drift_resolved"]


@router.get("/runs", response_model=RunPageOut)
async def list_runs(
    request: Request,
    _: Reader,
    pipeline_id: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[RunStatus | None, Query(description="The run's folded status")] = None,
    run_id: Annotated[list[str], Query(max_length=500, description="Only these runs (repeatable)")] = [],  # noqa: B006
    since: Since = None,
    until: Until = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Runs across pipelines with an event in [since, until), the most recently active first: one page
    and the total the filters admit."""
    window = RunWindow(pipeline_id, tuple(run_id), since, until)
    page = await recent_runs(_reader(request), window, status=status, limit=limit, offset=offset)
    return page.as_dict()


@router.get("/stats", response_model=StatsOut)
async def get_stats(
    request: Request,
    _: Reader,
    until: Until = None,
    hours: Annotated[int, Query(ge=1, le=168, description="Hours before `until` (default now)")] = 24,
) -> dict[str, Any]:
    """Verdict events by validation result (pass, drift, fail, blocked, error) in all and per hour."""
    end = until if until is not None else datetime.now(UTC)
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    return (await verdict_stats(_reader(request), end - timedelta(hours=hours), end)).as_dict()


class SloOut(BaseModel):
    since: datetime
    until: datetime
    verdicts: dict[str, int] = Field(description="Verdict events by validation result")
    validation_ms_p95: float | None = Field(description="P95 of the validator's time per passed batch")
    validations_timed: int
    resolver_ms_p95: float | None = Field(
        description="P95 of a stage run's time in schema resolves (`execution.resolve_ms`)"
    )
    resolves_timed: int = Field(description="Stage run events that state `execution.resolve_ms`")
    runs: int = Field(description="Runs with an event in the window")
    failed_runs: int = Field(description="Of those, runs whose status is failed")


@router.get("/slo", response_model=SloOut)
async def get_slo(request: Request, _: Reader, since: Since = None, until: Until = None) -> dict[str, Any]:
    """What lineage records of the seed's service levels in [since, until) (default: the last 24 h)."""
    end = _aware(until) if until is not None else datetime.now(UTC)
    start = _aware(since) if since is not None else end - timedelta(hours=24)
    if start >= end:
        raise InvalidRequestError("since must be before until")
    return (await slo_figures(_reader(request), start, end)).as_dict()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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


class RerunIn(BaseModel):
    fqid: str = Field(
        max_length=300,
        description="The schema version to re-run under",
        examples=["finance.gdp.invoice:v1.2"],
    )


class RerunOut(BaseModel):
    rerun_id: str = Field(description="Run id of the re-run, once the launcher starts it")
    original_run_id: str
    pipeline_id: str
    schema_fqid: str
    inputs: list[str]
    event_id: str = Field(description="Id of the RunRerunRequested published")


@router.post(
    "/runs/{run_id}/rerun", status_code=202, response_model=RerunOut, responses=error_responses(404, 422)
)
async def rerun(request: Request, run_id: RunIdParam, body: RerunIn, caller: Operator) -> RerunOut:
    """Re-run a stage run on the same input under another schema version: publishes
    `RunRerunRequested`; the job launcher starts the run, which lineage links to this one."""
    wanted = await plan_rerun(_reader(request), run_id, body.fqid, requested_by=caller.name)
    envelope = new_envelope(wanted, source=f"schemaline.{request.app.state.service_name}")
    await request.app.state.bus.publish(envelope)
    return RerunOut(
        rerun_id=wanted.rerun_id,
        original_run_id=wanted.original_run_id,
        pipeline_id=wanted.pipeline_id,
        schema_fqid=str(wanted.schema_fqid),
        inputs=list(wanted.inputs),
        event_id=envelope.id,
    )


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
