"""The lineage store port: a batched idempotent write and the reads the queries need."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from schemaline.lineage_writer.rows import DatasetLink, EventRows, LineageRow


class LineageSink(Protocol):
    async def insert_batch(self, batch: Sequence[EventRows]) -> int:
        """Write every row and link in one transaction; rows already present are skipped.

        Returns how many event rows were new.
        """


class LineageReader(Protocol):
    async def events_for_runs(self, run_ids: Sequence[str]) -> list[LineageRow]: ...

    async def events_rerunning(self, run_id: str) -> list[LineageRow]: ...

    async def events_for_pipeline(
        self, pipeline_id: str, since: datetime | None, until: datetime | None
    ) -> list[LineageRow]: ...

    async def links_for_runs(self, run_ids: Sequence[str]) -> list[DatasetLink]: ...

    async def run_activity(self, window: RunWindow) -> list[str]:
        """Ids of the runs with an event in the window, the most recently active first."""

    async def verdicts_between(self, since: datetime, until: datetime) -> list[tuple[datetime, str]]:
        """(time, validation_result) of every verdict event in [since, until)."""

    async def validation_times_between(self, since: datetime, until: datetime) -> list[float]:
        """`validation_ms` of every `SchemaValidated` in [since, until) (the validator's timing)."""

    async def resolve_times_between(self, since: datetime, until: datetime) -> list[float]:
        """`execution.resolve_ms` of every stage run event in [since, until) that states one."""

    async def runs_writing(self, uri_prefix: str) -> list[str]:
        """Runs with an output under `uri_prefix`."""

    async def runs_reading(self, uri: str) -> list[str]:
        """Runs with an input equal to `uri` or a prefix of it."""


@dataclass(frozen=True)
class RunWindow:
    """Which runs a listing takes: of a pipeline, among given ids, with an event in [since, until)."""

    pipeline_id: str | None = None
    run_ids: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None

    def admits(self, row: LineageRow) -> bool:
        return (
            row.run_id is not None
            and (self.pipeline_id is None or row.pipeline_id == self.pipeline_id)
            and (not self.run_ids or row.run_id in self.run_ids)
            and (self.since is None or row.occurred_at >= self.since)
            and (self.until is None or row.occurred_at < self.until)
        )


VERDICTS = ("SchemaValidated", "SchemaDriftDetected", "PipelineFailed")
RUN_FACTS = ("BatchLanded", "PipelineFailed")  # the events a stage states its `execution` in


def resolve_ms(detail: Mapping[str, Any]) -> float | None:
    """The run's time in schema resolves from a `RUN_FACTS` event's detail, when it states one."""
    execution = detail.get("execution") or {}
    value = execution.get("resolve_ms")
    return None if value is None else float(value)


class InMemoryLineageStore:
    """The store in a few lists: the embedded default's fake, honouring both ports."""

    def __init__(self) -> None:
        self.rows: dict[str, LineageRow] = {}
        self.links: dict[tuple[str, str, str], DatasetLink] = {}
        self.transactions = 0

    async def insert_batch(self, batch: Sequence[EventRows]) -> int:
        self.transactions += 1
        new = 0
        for item in batch:
            if item.row.event_id not in self.rows:
                self.rows[item.row.event_id] = item.row
                new += 1
            for link in item.links:
                self.links.setdefault((link.event_id, link.role, link.uri), link)
        return new

    async def events_for_runs(self, run_ids: Sequence[str]) -> list[LineageRow]:
        wanted = set(run_ids)
        return _ordered(row for row in self.rows.values() if row.run_id in wanted)

    async def events_rerunning(self, run_id: str) -> list[LineageRow]:
        return _ordered(row for row in self.rows.values() if row.rerun_of == run_id)

    async def events_for_pipeline(
        self, pipeline_id: str, since: datetime | None, until: datetime | None
    ) -> list[LineageRow]:
        return _ordered(
            row
            for row in self.rows.values()
            if row.pipeline_id == pipeline_id
            and (since is None or row.occurred_at >= since)
            and (until is None or row.occurred_at < until)
        )

    async def links_for_runs(self, run_ids: Sequence[str]) -> list[DatasetLink]:
        wanted = set(run_ids)
        return [link for link in self.links.values() if link.run_id in wanted]

    async def run_activity(self, window: RunWindow) -> list[str]:
        last: dict[str, datetime] = {}
        for row in self.rows.values():
            if window.admits(row) and row.run_id is not None:
                last[row.run_id] = max(last.get(row.run_id, row.occurred_at), row.occurred_at)
        return sorted(last, key=lambda run_id: (last[run_id], run_id), reverse=True)

    async def verdicts_between(self, since: datetime, until: datetime) -> list[tuple[datetime, str]]:
        return [
            (row.occurred_at, row.validation_result or "unknown")
            for row in _ordered(self.rows.values())
            if row.detail_type in VERDICTS and since <= row.occurred_at < until
        ]

    async def validation_times_between(self, since: datetime, until: datetime) -> list[float]:
        return [
            float(row.detail_json()["validation_ms"])
            for row in _ordered(self.rows.values())
            if row.detail_type == "SchemaValidated" and since <= row.occurred_at < until
        ]

    async def resolve_times_between(self, since: datetime, until: datetime) -> list[float]:
        times = (
            resolve_ms(row.detail_json())
            for row in _ordered(self.rows.values())
            if row.detail_type in RUN_FACTS and since <= row.occurred_at < until
        )
        return [value for value in times if value is not None]

    async def runs_writing(self, uri_prefix: str) -> list[str]:
        return sorted(
            {
                link.run_id
                for link in self.links.values()
                if link.role == "output" and link.uri.startswith(uri_prefix) and link.run_id
            }
        )

    async def runs_reading(self, uri: str) -> list[str]:
        return sorted(
            {
                link.run_id
                for link in self.links.values()
                if link.role == "input" and uri.startswith(link.uri) and link.run_id
            }
        )


def _ordered(rows: Iterable[LineageRow]) -> list[LineageRow]:
    return sorted(rows, key=lambda row: (row.occurred_at, row.event_id))
