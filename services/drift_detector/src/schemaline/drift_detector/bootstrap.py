"""Composition root: build the drift detector from its settings; tests override the parts."""

from __future__ import annotations

import contextlib

from opentelemetry import metrics
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.drift_detector.handlers import SERVICE, Deps, handlers
from schemaline.drift_detector.ports import ResolverSchemas, SchemaSource
from schemaline.drift_detector.settings import DriftSettings
from schemaline.drift_detector.tables import metadata
from schemaline.runtime.bus import EventBus, build_bus
from schemaline.runtime.db import create_engine
from schemaline.runtime.objectstore import ObjectStore, open_object_store
from schemaline.runtime.service import Service
from schemaline.sdk.registry_settings import connect_registry


def bootstrap(
    settings: DriftSettings,
    *,
    schemas: SchemaSource | None = None,
    objects: ObjectStore | None = None,
    bus: EventBus | None = None,
    engine: AsyncEngine | None = None,
    meter_provider: metrics.MeterProvider | None = None,
) -> tuple[Service, Deps]:
    engine = engine or create_engine(settings.database.url.get_secret_value())
    bus = bus or build_bus(settings.bus)
    meter = metrics.get_meter("schemaline.drift_detector", meter_provider=meter_provider)
    deps = Deps(
        engine=engine,
        publisher=bus,
        # Parts not given are opened at startup (and closed at shutdown) from the settings.
        schemas=schemas,  # type: ignore[arg-type]
        objects=objects,  # type: ignore[arg-type]
        drift_events=meter.create_counter(
            "pipeline.drift_events", unit="{event}", description="Schema drift detected (count per day)"
        ),
        rerun_prefix=settings.rerun_prefix,
    )

    stack = contextlib.AsyncExitStack()

    async def open_parts() -> None:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        if objects is None:
            deps.objects = await stack.enter_async_context(open_object_store(settings.objects))
        if schemas is None:
            registry = await stack.enter_async_context(connect_registry(settings.registry))
            deps.schemas = ResolverSchemas(registry.resolver)

    service = Service(
        SERVICE, bus, handlers(deps), startup=[open_parts], shutdown=[stack.aclose, engine.dispose]
    )
    return service, deps
