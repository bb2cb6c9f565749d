"""Lineage queries: a run's full trace, a dataset's upstream and downstream, a pipeline's runs."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from schemaline.contracts import PipeCode
from schemaline.lineage_writer.rows import LineageRow
from schemaline.lineage_writer.store import VERDICTS, LineageReader, RunWindow

FOLD_CHUNK = 500  # runs whose events are read at once when a listing filters on the folded status
STAGE_EVENTS = ("BatchLanded", "PipelineFailed")  # the events a stage run emits about itself


@dataclass
class RunSummary:
    run_id: str
    pipeline_id: str | None = None
    layer: str | None = None
    schema_fqid: str | None = None
    status: str = "unknown"
    validation_result: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    record_count: int | None = None
    valid_count: int | None = None
    rejected_count: int | None = None
    outputs: list[str] = field(default_factory=list)
    rerun_of: str | None = None
    drift_case_id: str | None = None
    error_code: str | None = None
    event_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        for key in ("started_at", "finished_at"):
            value = data[key]
            data[key] = None if value is None else value.isoformat()
        return data


def summarise(run_id: str, rows: Sequence[LineageRow]) -> RunSummary:
    """Fold a run's events (in time order) into its current state.

    A PIPE-1402 says the event that caused it (`causation_id`) was not recorded; once a redrive has
    recorded that event after all, the alert no longer speaks for the run and the run's own verdicts
    decide, although the alert was raised after them.
    """
    summary = RunSummary(run_id)
    recorded = {row.event_id for row in rows}
    for row in rows:
        summary.event_ids.append(row.event_id)
        if row.error_code == PipeCode.METADATA_SYNC_FAILURE.value and row.causation_id in recorded:
            continue
        summary.pipeline_id = summary.pipeline_id or row.pipeline_id
        summary.layer = summary.layer or row.layer
        summary.rerun_of = summary.rerun_of or row.rerun_of
        summary.drift_case_id = summary.drift_case_id or row.drift_case_id
        if summary.started_at is None:
            summary.started_at = row.occurred_at
        if row.s3_output_path and row.s3_output_path not in summary.outputs:
            summary.outputs.append(row.s3_output_path)
        if row.detail_type == "BatchLanded":
            summary.schema_fqid = summary.schema_fqid or row.schema_fqid
            summary.record_count = (
                summary.record_count if summary.record_count is not None else row.record_count
            )
            if summary.status == "unknown":
                summary.status, summary.validation_result = row.status, row.validation_result
        elif row.detail_type in VERDICTS:
            summary.schema_fqid = row.schema_fqid or summary.schema_fqid
            summary.status, summary.validation_result = row.status, row.validation_result
            summary.finished_at = row.occurred_at
            summary.record_count = row.record_count if row.record_count is not None else summary.record_count
            summary.valid_count, summary.rejected_count = row.valid_count, row.rejected_count
            summary.error_code = row.error_code
        elif row.detail_type == "DriftResolved":
            summary.status = "drift_resolved"
    return summary


@dataclass
class RunTrace:
    run: RunSummary
    events: list[LineageRow]
    inputs: list[str]
    outputs: list[str]
    original: RunSummary | None
    reruns: list[RunSummary]
    execution: dict[str, Any] | None = None  # the stage's own account: times, counts, code version

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": self.run.as_dict(),
            "execution": self.execution,
            "events": [_event_dict(row) for row in self.events],
            "inputs": self.inputs,
            "outputs": self.outputs,
            "original": None if self.original is None else self.original.as_dict(),
            "reruns": [rerun.as_dict() for rerun in self.reruns],
        }


def _event_dict(row: LineageRow) -> dict[str, Any]:
    data = row.as_dict()
    data["occurred_at"] = row.occurred_at.isoformat()
    data["recorded_at"] = row.recorded_at.isoformat()
    data["detail"] = row.detail_json()
    return data


async def run_trace(reader: LineageReader, run_id: str) -> RunTrace | None:
    rows = await reader.events_for_runs([run_id])
    if not rows:
        return None
    links = await reader.links_for_runs([run_id])
    summary = summarise(run_id, rows)
    original = None
    if summary.rerun_of:
        original = summarise(summary.rerun_of, await reader.events_for_runs([summary.rerun_of]))
    rerun_ids = sorted({row.run_id for row in await reader.events_rerunning(run_id) if row.run_id})
    reruns = [summarise(rid, await reader.events_for_runs([rid])) for rid in rerun_ids]
    stated = [row.detail_json().get("execution") for row in rows if row.detail_type in STAGE_EVENTS]
    return RunTrace(
        execution=next((given for given in reversed(stated) if given), None),
        run=summary,
        events=rows,
        inputs=sorted({link.uri for link in links if link.role == "input"}),
        outputs=sorted({link.uri for link in links if link.role == "output"}),
        original=original,
        reruns=reruns,
    )


async def pipeline_runs(
    reader: LineageReader, pipeline_id: str, since: datetime | None = None, until: datetime | None = None
) -> list[RunSummary]:
    """Runs of a pipeline with an event in [since, until), each summarised from all its events."""
    rows = await reader.events_for_pipeline(pipeline_id, since, until)
    run_ids = sorted({row.run_id for row in rows if row.run_id})
    every = await reader.events_for_runs(run_ids)
    summaries = [summarise(rid, [row for row in every if row.run_id == rid]) for rid in run_ids]
    return sorted(summaries, key=lambda s: (s.started_at is None, s.started_at))


@dataclass
class RunPage:
    """One page of runs, the most recently active first, and how many the filters admit in all."""

    total: int
    runs: list[RunSummary]

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total, "runs": [run.as_dict() for run in self.runs]}


async def _summaries(reader: LineageReader, run_ids: Sequence[str]) -> list[RunSummary]:
    every = await reader.events_for_runs(run_ids)
    by_run: dict[str, list[LineageRow]] = {run_id: [] for run_id in run_ids}
    for row in every:
        if row.run_id in by_run:
            by_run[row.run_id].append(row)
    return [summarise(run_id, rows) for run_id, rows in by_run.items()]


async def recent_runs(
    reader: LineageReader, window: RunWindow, *, status: str | None = None, limit: int = 50, offset: int = 0
) -> RunPage:
    """Runs across pipelines, newest activity first. The status is folded from a run's events, so a
    status filter folds every run in the window (in chunks); without one only the page is folded."""
    run_ids = await reader.run_activity(window)
    if status is None:
        return RunPage(len(run_ids), await _summaries(reader, run_ids[offset : offset + limit]))
    matching: list[RunSummary] = []
    for start in range(0, len(run_ids), FOLD_CHUNK):
        chunk = await _summaries(reader, run_ids[start : start + FOLD_CHUNK])
        matching.extend(run for run in chunk if run.status == status)
    return RunPage(len(matching), matching[offset : offset + limit])


@dataclass
class VerdictStats:
    """Verdict events in [since, until) by validation result, in all and per hour (the health view)."""

    since: datetime
    until: datetime
    counts: dict[str, int]
    hours: list[tuple[datetime, dict[str, int]]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "counts": self.counts,
            "hours": [{"start": start.isoformat(), "counts": counts} for start, counts in self.hours],
        }


async def verdict_stats(reader: LineageReader, since: datetime, until: datetime) -> VerdictStats:
    first = since.replace(minute=0, second=0, microsecond=0)
    hours: dict[datetime, dict[str, int]] = {}
    start = first
    while start < until:
        hours[start] = {}
        start += timedelta(hours=1)
    counts: dict[str, int] = {}
    for at, result in await reader.verdicts_between(since, until):
        counts[result] = counts.get(result, 0) + 1
        bucket = hours.setdefault(at.replace(minute=0, second=0, microsecond=0), {})
        bucket[result] = bucket.get(result, 0) + 1
    return VerdictStats(since, until, counts, sorted(hours.items()))


@dataclass
class SloFigures:
    """What lineage knows of the seed's service levels in [since, until) (`schemaline slo`)."""

    since: datetime
    until: datetime
    verdicts: dict[str, int]  # verdict events by validation result
    validation_ms_p95: float | None  # the validator's time per passed batch, nearest-rank P95
    validations_timed: int
    resolver_ms_p95: float | None  # a stage run's time in schema resolves, nearest-rank P95
    resolves_timed: int  # stage run events that state that time
    runs: int  # runs with an event in the window
    failed_runs: int

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["since"], data["until"] = self.since.isoformat(), self.until.isoformat()
        return data


def p95(values: Sequence[float]) -> float | None:
    """Nearest-rank 95th percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


async def slo_figures(reader: LineageReader, since: datetime, until: datetime) -> SloFigures:
    counts: dict[str, int] = {}
    for _, result in await reader.verdicts_between(since, until):
        counts[result] = counts.get(result, 0) + 1
    times = await reader.validation_times_between(since, until)
    resolves = await reader.resolve_times_between(since, until)
    window = RunWindow(since=since, until=until)
    runs = await recent_runs(reader, window, limit=1)
    failed = await recent_runs(reader, window, status="failed", limit=1)
    return SloFigures(
        since, until, counts, p95(times), len(times), p95(resolves), len(resolves), runs.total, failed.total
    )


@dataclass
class Hop:
    """One step of a dataset walk: the run and the datasets it read and wrote."""

    run_id: str
    depth: int
    inputs: list[str]
    outputs: list[str]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class DatasetLineage:
    dataset: str
    upstream: list[Hop]
    downstream: list[Hop]

    def as_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "upstream": [hop.as_dict() for hop in self.upstream],
            "downstream": [hop.as_dict() for hop in self.downstream],
        }


async def _hops(reader: LineageReader, run_ids: Sequence[str], depth: int) -> list[Hop]:
    links = await reader.links_for_runs(run_ids)
    return [
        Hop(
            run_id,
            depth,
            sorted({link.uri for link in links if link.run_id == run_id and link.role == "input"}),
            sorted({link.uri for link in links if link.run_id == run_id and link.role == "output"}),
        )
        for run_id in sorted(run_ids)
    ]


async def dataset_lineage(reader: LineageReader, dataset: str, *, max_depth: int = 10) -> DatasetLineage:
    """Upstream: the runs that wrote `dataset` (a URI or prefix), the runs that wrote what they read…
    Downstream: the runs that read it, the runs that read what they wrote…"""
    upstream: list[Hop] = []
    seen: set[str] = set()
    frontier = await reader.runs_writing(dataset)
    for depth in range(1, max_depth + 1):
        frontier = [run for run in frontier if run not in seen]
        if not frontier:
            break
        seen.update(frontier)
        hops = await _hops(reader, frontier, depth)
        upstream.extend(hops)
        next_runs: set[str] = set()
        for uri in {uri for hop in hops for uri in hop.inputs}:
            next_runs.update(await reader.runs_writing(uri))
        frontier = sorted(next_runs)

    downstream: list[Hop] = []
    seen = set()
    frontier = await _readers_of_prefix(reader, dataset)
    for depth in range(1, max_depth + 1):
        frontier = [run for run in frontier if run not in seen]
        if not frontier:
            break
        seen.update(frontier)
        hops = await _hops(reader, frontier, depth)
        downstream.extend(hops)
        next_runs = set()
        for uri in {uri for hop in hops for uri in hop.outputs}:
            next_runs.update(await reader.runs_reading(uri))
        frontier = sorted(next_runs)
    return DatasetLineage(dataset, upstream, downstream)


async def _readers_of_prefix(reader: LineageReader, dataset: str) -> list[str]:
    """Runs that read the dataset itself or any object written under it."""
    runs = set(await reader.runs_reading(dataset))
    writers = await reader.runs_writing(dataset)
    for link in await reader.links_for_runs(writers):
        if link.role == "output" and link.uri.startswith(dataset):
            runs.update(await reader.runs_reading(link.uri))
    return sorted(runs)
