"""Composition root: build the lineage writer from its settings."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.lineage_writer.batcher import BatchWriter
from schemaline.lineage_writer.failures import MetadataSyncFailures
from schemaline.lineage_writer.handlers import Deps, handlers
from schemaline.lineage_writer.settings import LineageSettings
from schemaline.lineage_writer.sql_store import (
    PostgresLineageSink,
    SqlLineageReader,
    SqlLineageSink,
    asyncpg_dsn,
    create_schema,
)
from schemaline.lineage_writer.store import InMemoryLineageStore, LineageReader, LineageSink
from schemaline.runtime.bus import EventBus, build_bus
from schemaline.runtime.db import create_engine
from schemaline.runtime.service import Service


@dataclass
class LineageWriter:
    service: Service
    reader: LineageReader
    writer: BatchWriter


def bootstrap(
    settings: LineageSettings,
    *,
    bus: EventBus | None = None,
    store: InMemoryLineageStore | None = None,
) -> LineageWriter:
    """The service over its database (PostgreSQL or SQLite), or over `store` when one is given."""
    bus = bus or build_bus(settings.bus)
    service = Service(settings.service_name, bus, {})
    sink: LineageSink
    reader: LineageReader
    if store is not None:
        sink = reader = store
    else:
        url = settings.database.url.get_secret_value()
        engine = create_engine(url)
        reader = SqlLineageReader(engine)
        service.startup.append(lambda: create_schema(engine))
        if engine.dialect.name == "postgresql":
            pg = PostgresLineageSink(asyncpg_dsn(url))
            sink = pg
            service.startup.append(pg.open)
            service.shutdown.append(pg.close)
        else:
            sink = SqlLineageSink(engine)
        _dispose(service, engine)
    writer = BatchWriter(sink, max_rows=settings.batch.max_rows, max_delay_s=settings.batch.max_delay_s)
    failures = MetadataSyncFailures(bus, settings.bus.max_attempts)
    service.handlers = handlers(Deps(writer, failures))
    service.startup.append(writer.start)
    service.shutdown.append(writer.stop)
    return LineageWriter(service, reader, writer)


def _dispose(service: Service, engine: AsyncEngine) -> None:
    async def dispose() -> None:
        await engine.dispose()

    service.shutdown.insert(0, dispose)
