"""Runs: every pipeline's runs on one timeline, filtered and paged; a run with its execution metadata."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from schemaline.console.charts import parse_time, timeline
from schemaline.console.web import Viewer, console, page_link, page_of, render

router = APIRouter(prefix="/runs")
STATUSES = ("", "running", "success", "drift", "failed", "drift_resolved")


def _as_utc(value: str) -> str | None:
    """A form's date-time (the browser sends it without a zone) read as UTC; junk is no filter."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).isoformat()


@router.get("")
async def runs(
    request: Request, operator: Viewer, pipeline: str = "", status: str = "", since: str = "", until: str = ""
) -> Response:
    status = status if status in STATUSES else ""
    page = page_of(request)
    async with console(request).upstreams.lineage(operator.token) as lineage:
        found = await lineage.recent_runs(
            pipeline_id=pipeline.strip() or None,
            status=status or None,
            since=_as_utc(since),
            until=_as_utc(until),
            limit=page.size,
            offset=page.offset,
        )
    page = page.of(found["total"])
    listed: list[dict[str, Any]] = found["runs"]
    for item in listed:
        item["took_ms"] = _took_ms(item)
    bars = timeline(
        [
            (run["run_id"], parse_time(run["started_at"]), parse_time(run["finished_at"]), run["status"])
            for run in listed
        ]
    )
    return render(
        request,
        "runs.html",
        operator,
        runs=listed,
        bars=bars,
        filters={"pipeline": pipeline, "status": status, "since": since, "until": until},
        statuses=STATUSES,
        page=page,
        page_link=lambda number: page_link(request, number),
    )


def _took_ms(run: dict[str, Any]) -> int | None:
    started, finished = parse_time(run["started_at"]), parse_time(run["finished_at"])
    return round((finished - started).total_seconds() * 1000) if started and finished else None


def trace_id(events: list[dict[str, Any]]) -> str | None:
    """The W3C trace id the run's events carried (traceparent `00-<trace id>-<span id>-<flags>`)."""
    for event in events:
        parent = (event.get("detail") or {}).get("meta", {}).get("traceparent")
        if parent and parent.count("-") == 3:
            return str(parent.split("-")[1])
    return None


@router.get("/{run_id}")
async def run(request: Request, run_id: str, operator: Viewer) -> Response:
    async with console(request).upstreams.lineage(operator.token) as lineage:
        trace = await lineage.run(run_id)
    events = trace["events"]
    first = parse_time(events[0]["occurred_at"]) if events else None
    for event in events:
        at = parse_time(event["occurred_at"])
        event["offset_ms"] = round((at - first).total_seconds() * 1000) if at and first else 0
    summary = trace["run"]
    return render(
        request,
        "run.html",
        operator,
        trace=trace,
        run=summary,
        trace_id=trace_id(events),
        duration_ms=_took_ms(summary),
        bars=timeline([(e["detail_type"], parse_time(e["occurred_at"]), None, e["status"]) for e in events]),
    )
