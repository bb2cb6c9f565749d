"""The validator as a service: what it consumes, what it opens, the one table it keeps (run pins), and
its operator API (health and, added by the runtime, its DLQ)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from opentelemetry import metrics

from schemaline.runtime.service import Parts, ServiceSpec, dead_letter_api
from schemaline.sdk.metrics import PipelineMetrics
from schemaline.sdk.registry_settings import connect_registry
from schemaline.validator.handler import HANDLERS, SERVICE, Deps
from schemaline.validator.pins import SqlPins
from schemaline.validator.pins import metadata as pins_metadata
from schemaline.validator.ports import SchemaCatalog
from schemaline.validator.registry_catalog import RegistryCatalog
from schemaline.validator.settings import ValidatorSettings


@contextlib.asynccontextmanager
async def open_deps(
    parts: Parts[ValidatorSettings],
    *,
    catalog: SchemaCatalog | None = None,
    meter_provider: metrics.MeterProvider | None = None,
) -> AsyncIterator[Deps]:
    """The catalog over the registry its settings name (unless a fake is given), its metrics."""
    async with contextlib.AsyncExitStack() as stack:
        if catalog is None:
            registry = await stack.enter_async_context(
                connect_registry(parts.settings.registry, transport=parts.http)
            )
            # Run pins in the service's database, so that every replica keeps a run on one version.
            catalog = RegistryCatalog(registry.resolver, registry.contracts, SqlPins(parts.database()))
        yield Deps(
            catalog=catalog,
            objects=parts.objects(),
            quarantine_prefix=parts.settings.quarantine_prefix,
            metrics=PipelineMetrics.create(meter_provider),
            publisher=parts.bus,
        )


SPEC = ServiceSpec(
    name=SERVICE,
    settings=ValidatorSettings,
    handlers=HANDLERS,
    open=open_deps,
    tables=(pins_metadata,),
    api=dead_letter_api("validator"),
    objects=True,
)
