"""`python -m schemaline.lineage_writer`: consume until SIGTERM; serve the read API if enabled."""

from __future__ import annotations

import asyncio
import contextlib

import uvicorn

from schemaline.lineage_writer.api import create_app
from schemaline.lineage_writer.bootstrap import bootstrap
from schemaline.lineage_writer.openlineage import RunEventBuilder, SchemaFields
from schemaline.lineage_writer.settings import LineageSettings
from schemaline.runtime.http.auth import TokenTable
from schemaline.runtime.service import serve_until_signalled, setup_process


async def run(settings: LineageSettings) -> None:
    built = bootstrap(settings)
    if not settings.http.enabled:
        await serve_until_signalled(built.service, settings.health)
        return
    builder = RunEventBuilder(
        namespace=settings.openlineage.namespace,
        producer=settings.openlineage.producer,
        schema_fields=SchemaFields(settings.openlineage.schema_dir),
    )
    config = uvicorn.Config(
        create_app(
            reader=built.reader,
            builder=builder,
            tokens=TokenTable(settings.auth.tokens),
            bus=built.service.bus,
            service_name=settings.service_name,
        ),
        host=settings.http.host,
        port=settings.http.port,
        log_config=None,
    )
    server = uvicorn.Server(config)
    api = asyncio.create_task(server.serve())
    try:
        # The heartbeat also stops if the read API's server task ends.
        await serve_until_signalled(built.service, settings.health, watch=[api])
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await api


def main() -> None:
    settings = LineageSettings()
    setup_process(settings)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
