"""The lineage store port: a batched idempotent write and the reads the queries need."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

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

    async def runs_writing(self, uri_prefix: str) -> list[str]:
        """Runs with an output under `uri_prefix`."""

    async def runs_reading(self, uri: str) -> list[str]:
        """Runs with an input equal to `uri` or a prefix of it."""


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
