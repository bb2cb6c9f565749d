"""The drift detector as a service: its drift-case tables, what it consumes, what it opens."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from opentelemetry import metrics

from schemaline.drift_detector.handlers import HANDLERS, SERVICE, Deps
from schemaline.drift_detector.ports import ResolverSchemas, SchemaSource
from schemaline.drift_detector.settings import DriftSettings
from schemaline.drift_detector.tables import metadata
from schemaline.runtime.objectstore import ObjectStore, open_object_store
from schemaline.runtime.service import Parts, ServiceSpec
from schemaline.sdk.registry_settings import connect_registry


@contextlib.asynccontextmanager
async def open_deps(
    parts: Parts[DriftSettings],
    *,
    schemas: SchemaSource | None = None,
    objects: ObjectStore | None = None,
    meter_provider: metrics.MeterProvider | None = None,
) -> AsyncIterator[Deps]:
    """The object store and the registry its settings name, unless fakes are given."""
    settings = parts.settings
    async with contextlib.AsyncExitStack() as stack:
        if objects is None:
            objects = await stack.enter_async_context(open_object_store(settings.objects))
        if schemas is None:
            registry = await stack.enter_async_context(
                connect_registry(settings.registry, transport=parts.http)
            )
            schemas = ResolverSchemas(registry.resolver)
        meter = metrics.get_meter("schemaline.drift_detector", meter_provider=meter_provider)
        yield Deps(
            schemas=schemas,
            objects=objects,
            drift_events=meter.create_counter(
                "pipeline.drift_events", unit="{event}", description="Schema drift detected (count per day)"
            ),
            rerun_prefix=settings.rerun_prefix,
        )


SPEC = ServiceSpec(
    name=SERVICE, settings=DriftSettings, handlers=HANDLERS, open=open_deps, tables=(metadata,)
)
