"""The lineage writer as a service: its tables, the batched sink, and the read API."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from schemaline.lineage_writer.api import create_app
from schemaline.lineage_writer.batcher import BatchWriter
from schemaline.lineage_writer.failures import MetadataSyncFailures
from schemaline.lineage_writer.handlers import HANDLERS, Deps
from schemaline.lineage_writer.openlineage import RunEventBuilder, SchemaFields
from schemaline.lineage_writer.settings import SERVICE, LineageSettings
from schemaline.lineage_writer.sql_store import (
    PostgresLineageSink,
    SqlLineageReader,
    SqlLineageSink,
    asyncpg_dsn,
    create_schema,
)
from schemaline.lineage_writer.store import LineageSink
from schemaline.lineage_writer.tables import metadata
from schemaline.runtime.http.auth import TokenTable
from schemaline.runtime.service import Parts, ServiceSpec


@contextlib.asynccontextmanager
async def open_deps(parts: Parts[LineageSettings], *, sink: LineageSink | None = None) -> AsyncIterator[Deps]:
    """The sink over the service's database (COPY on PostgreSQL), unless a `sink` is given."""
    settings = parts.settings
    engine = parts.database()
    async with contextlib.AsyncExitStack() as stack:
        if sink is None:
            if engine.dialect.name == "postgresql":
                pg = PostgresLineageSink(asyncpg_dsn(settings.database.url.get_secret_value()))
                await pg.open()
                stack.push_async_callback(pg.close)
                sink = pg
            else:
                sink = SqlLineageSink(engine)
        writer = BatchWriter(sink, max_rows=settings.batch.max_rows, max_delay_s=settings.batch.max_delay_s)
        await writer.start()
        stack.push_async_callback(writer.stop)
        failures = MetadataSyncFailures(parts.bus)
        yield Deps(writer, failures, SqlLineageReader(engine))


def api(deps: Deps, parts: Parts[LineageSettings]) -> FastAPI:
    openlineage = parts.settings.openlineage
    builder = RunEventBuilder(
        namespace=openlineage.namespace,
        producer=openlineage.producer,
        schema_fields=SchemaFields(openlineage.schema_dir),
    )
    return create_app(
        reader=deps.reader,
        builder=builder,
        tokens=TokenTable(parts.settings.auth.tokens),
        bus=parts.bus,
        service_name=SERVICE,
    )


SPEC = ServiceSpec(
    name=SERVICE,
    settings=LineageSettings,
    handlers=HANDLERS,
    open=open_deps,
    tables=(metadata,),
    migration=create_schema,
    api=api,
)
