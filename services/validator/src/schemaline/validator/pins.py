"""Run pins every validator replica sees: the schema version each run's selector resolved to.

A run pins what its selector meant when its first batch was validated, and keeps it for its
whole life, whichever replica validates its later batches and however often replicas restart.
The pin lives in a small table of the shared database (`validator_run_pins`), written once: the
first replica to resolve a run's selector inserts its answer, a racing one's insert does nothing,
and both read back the one row. A pin never changes, so each replica also keeps the pins it has
seen in memory (bounded), and the table is read once per run and selector at most.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import Column, DateTime, MetaData, String, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.contracts import Fqid, RunId, Selector
from schemaline.runtime.db import create_engine

MAX_REMEMBERED = 10_000

metadata = MetaData()
run_pins = Table(
    "validator_run_pins",
    metadata,
    Column("run_id", String(200), primary_key=True),
    Column("selector", String(200), primary_key=True),
    Column("fqid", String(200), nullable=False),
    Column("pinned_at", DateTime(timezone=True), nullable=False),
)


class PinStore(Protocol):
    async def get(self, run_id: RunId, selector: str) -> Fqid | None:
        """The run's pin for this selector, if it has one."""

    async def put_first(self, run_id: RunId, selector: str, fqid: Fqid) -> Fqid:
        """Pin `fqid` unless the run already has a pin for this selector; the pin in force."""


class InMemoryPins:
    """Pins in this process (the embedded default, tests): a restart forgets them."""

    def __init__(self) -> None:
        self._pins: OrderedDict[tuple[str, str], Fqid] = OrderedDict()

    async def get(self, run_id: RunId, selector: str) -> Fqid | None:
        return self._pins.get((run_id, selector))

    async def put_first(self, run_id: RunId, selector: str, fqid: Fqid) -> Fqid:
        pinned = self._pins.setdefault((run_id, selector), fqid)
        if len(self._pins) > MAX_REMEMBERED:
            self._pins.popitem(last=False)
        return pinned


class SqlPins:
    """Pins in the shared database (PostgreSQL in production, SQLite embedded), remembered here too."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._seen = InMemoryPins()
        insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        self._insert = insert

    async def get(self, run_id: RunId, selector: str) -> Fqid | None:
        seen = await self._seen.get(run_id, selector)
        if seen is not None:
            return seen
        async with self.engine.connect() as conn:
            found = await conn.scalar(
                select(run_pins.c.fqid).where(run_pins.c.run_id == run_id, run_pins.c.selector == selector)
            )
        return None if found is None else await self._seen.put_first(run_id, selector, Fqid.parse(found))

    async def put_first(self, run_id: RunId, selector: str, fqid: Fqid) -> Fqid:
        row = {"run_id": run_id, "selector": selector, "fqid": str(fqid), "pinned_at": datetime.now(UTC)}
        async with self.engine.begin() as conn:
            await conn.execute(self._insert(run_pins).values(row).on_conflict_do_nothing())
            pinned = await conn.scalar(
                select(run_pins.c.fqid).where(run_pins.c.run_id == run_id, run_pins.c.selector == selector)
            )
        return await self._seen.put_first(run_id, selector, Fqid.parse(str(pinned)))


async def pinned(
    pins: PinStore, run_id: RunId, selector: Selector, newest: Callable[[], Awaitable[Fqid]]
) -> Fqid:
    """The version `selector` means for the run: its pin, or (first batch) the newest match, pinned."""
    found = await pins.get(run_id, str(selector))
    if found is not None:
        return found
    return await pins.put_first(run_id, str(selector), await newest())


@contextlib.asynccontextmanager
async def open_pins(url: str) -> AsyncIterator[SqlPins]:
    """Pins in the database at `url`, outside a running service (tests, benchmarks): its table is
    created if missing, and the engine disposed of on exit. The service's own come from its spec."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        yield SqlPins(engine)
    finally:
        await engine.dispose()
