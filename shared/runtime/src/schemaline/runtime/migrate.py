"""Migrations: one command per service, serialised across processes, run once per deploy.

On PostgreSQL a session-level advisory lock makes concurrent migrators (two pods of a first deploy,
a Job racing a Deployment) take turns; each then finds the schema current and does nothing.
A service that does not migrate at start checks its tables instead and names the command to run.
"""

from __future__ import annotations

import zlib
from collections.abc import Awaitable, Callable, Iterable

import structlog
from sqlalchemy import Connection, MetaData, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.runtime.tables import metadata as runtime_metadata

log = structlog.get_logger("schemaline.migrate")

Migration = Callable[[AsyncEngine], Awaitable[None]]

# One key for every service: each has its own database, and a shared one must not race either.
LOCK_KEY = zlib.crc32(b"schemaline.migrate")


class SchemaMissingError(RuntimeError):
    """The service's tables are not there and it was not told to create them."""


def create_all(*tables: MetaData) -> Migration:
    """A migration that creates what is missing of `tables` and of the runtime's own tables."""

    async def migrate(engine: AsyncEngine) -> None:
        async with engine.begin() as conn:
            for schema in (runtime_metadata, *tables):
                await conn.run_sync(schema.create_all)

    return migrate


async def run_migration(engine: AsyncEngine, migration: Migration, *, service: str) -> None:
    """Run `migration` while holding the advisory lock (PostgreSQL); as is elsewhere."""
    if engine.dialect.name != "postgresql":
        await migration(engine)
        return
    async with engine.connect() as lock:
        await lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
        try:
            log.info("migrating", service=service)
            await migration(engine)
        finally:
            await lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
            await lock.commit()
    log.info("migrated", service=service)


async def require_tables(engine: AsyncEngine, tables: Iterable[str], *, service: str) -> None:
    """Fail with the command to run when any of `tables` is missing."""

    def names(conn: Connection) -> set[str]:
        return set(inspect(conn).get_table_names())

    async with engine.connect() as conn:
        present = await conn.run_sync(names)
    missing = sorted(set(tables) - present)
    if missing:
        raise SchemaMissingError(
            f"{service}: tables {', '.join(missing)} are missing from its database; run "
            f"`python -m schemaline.{service} migrate` (or set DATABASE__MIGRATE_ON_START=true)"
        )
