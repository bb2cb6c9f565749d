"""Composition root: build the drift detector from its settings and the parts it runs on."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

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
    schemas: SchemaSource,
    objects: ObjectStore,
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
        schemas=schemas,
        objects=objects,
        drift_events=meter.create_counter(
            "pipeline.drift_events", unit="{event}", description="Schema drift detected (count per day)"
        ),
        rerun_prefix=settings.rerun_prefix,
    )

    async def create_tables() -> None:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    service = Service(SERVICE, bus, handlers(deps), startup=[create_tables], shutdown=[engine.dispose])
    return service, deps


@contextlib.asynccontextmanager
async def from_settings(settings: DriftSettings) -> AsyncIterator[Service]:
    """The drift detector on the parts its settings name: object store and registry, closed on exit."""
    async with (
        open_object_store(settings.objects) as objects,
        connect_registry(settings.registry) as registry,
    ):
        service, _deps = bootstrap(settings, schemas=ResolverSchemas(registry.resolver), objects=objects)
        yield service
