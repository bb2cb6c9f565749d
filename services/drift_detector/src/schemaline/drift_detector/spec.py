"""The drift detector as a service: its drift-case tables, what it consumes, what it opens."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from opentelemetry import metrics

from schemaline.drift_detector.api import create_app
from schemaline.drift_detector.handlers import HANDLERS, SERVICE, Deps
from schemaline.drift_detector.ports import ResolverSchemas, SchemaSource
from schemaline.drift_detector.settings import DriftSettings
from schemaline.drift_detector.tables import metadata
from schemaline.runtime.http.auth import TokenTable
from schemaline.runtime.service import Parts, ServiceSpec
from schemaline.sdk.metrics import PipelineMetrics
from schemaline.sdk.registry_settings import connect_registry


@contextlib.asynccontextmanager
async def open_deps(
    parts: Parts[DriftSettings],
    *,
    schemas: SchemaSource | None = None,
    meter_provider: metrics.MeterProvider | None = None,
) -> AsyncIterator[Deps]:
    """Schemas from the registry its settings name (unless a fake is given), its metrics."""
    async with contextlib.AsyncExitStack() as stack:
        if schemas is None:
            registry = await stack.enter_async_context(
                connect_registry(parts.settings.registry, transport=parts.http)
            )
            schemas = ResolverSchemas(registry.resolver)
        yield Deps(
            schemas=schemas,
            objects=parts.objects(),
            metrics=PipelineMetrics.create(meter_provider),
            rerun_prefix=parts.settings.rerun_prefix,
        )


def api(deps: Deps, parts: Parts[DriftSettings]) -> FastAPI:
    registry = parts.settings.registry
    return create_app(
        engine=parts.database(),
        objects=parts.objects(),
        registry_url=registry.url,
        registry_timeout_s=max(registry.timeout_s, 5.0),
        registry_transport=parts.http,
        tokens=TokenTable(parts.settings.auth.tokens),
    )


SPEC = ServiceSpec(
    name=SERVICE,
    settings=DriftSettings,
    handlers=HANDLERS,
    open=open_deps,
    tables=(metadata,),
    api=api,
    objects=True,
)
