"""Composition root: build the validator from its settings; tests override the parts."""

from __future__ import annotations

import contextlib

from opentelemetry import metrics

from schemaline.runtime.bus import EventBus, build_bus
from schemaline.runtime.objectstore import ObjectStore, open_object_store
from schemaline.runtime.service import Service
from schemaline.sdk.registry_settings import connect_registry
from schemaline.validator.handler import SERVICE, Deps, handlers
from schemaline.validator.ports import SchemaCatalog
from schemaline.validator.registry_catalog import RegistryCatalog
from schemaline.validator.settings import ValidatorSettings


def bootstrap(
    settings: ValidatorSettings,
    *,
    catalog: SchemaCatalog | None = None,
    objects: ObjectStore | None = None,
    bus: EventBus | None = None,
    meter_provider: metrics.MeterProvider | None = None,
) -> tuple[Service, Deps]:
    bus = bus or build_bus(settings.bus)
    meter = metrics.get_meter("schemaline.validator", meter_provider=meter_provider)
    stack = contextlib.AsyncExitStack()
    deps = Deps(
        # Parts not given are opened at startup (and closed at shutdown) from the settings.
        catalog=catalog,  # type: ignore[arg-type]
        objects=objects,  # type: ignore[arg-type]
        publisher=bus,
        quarantine_prefix=settings.quarantine_prefix,
        latency=meter.create_histogram(
            "pipeline.runtime_validation_latency_ms", unit="ms", description="Batch validation time"
        ),
        batches=meter.create_counter(
            "pipeline.validation_batches",
            unit="{batch}",
            description="Batches validated, by outcome (pass/drift/fail): the success rate's source",
        ),
    )

    async def open_parts() -> None:
        if objects is None:
            deps.objects = await stack.enter_async_context(open_object_store(settings.objects))
        if catalog is None:
            registry = await stack.enter_async_context(connect_registry(settings.registry))
            deps.catalog = RegistryCatalog(registry.resolver, registry.api)

    service = Service(SERVICE, bus, handlers(deps), startup=[open_parts], shutdown=[stack.aclose])
    return service, deps
