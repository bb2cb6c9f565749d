"""Composition root: build the validator from its settings and the parts it runs on."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from opentelemetry import metrics

from schemaline.runtime.bus import EventBus, build_bus
from schemaline.runtime.objectstore import ObjectStore, open_object_store
from schemaline.runtime.service import Service
from schemaline.sdk.registry_settings import connect_registry
from schemaline.validator.handler import SERVICE, Deps, handlers
from schemaline.validator.pins import open_pins
from schemaline.validator.ports import SchemaCatalog
from schemaline.validator.registry_catalog import RegistryCatalog
from schemaline.validator.settings import ValidatorSettings


def bootstrap(
    settings: ValidatorSettings,
    *,
    catalog: SchemaCatalog,
    objects: ObjectStore,
    bus: EventBus | None = None,
    meter_provider: metrics.MeterProvider | None = None,
) -> tuple[Service, Deps]:
    bus = bus or build_bus(settings.bus)
    meter = metrics.get_meter("schemaline.validator", meter_provider=meter_provider)
    deps = Deps(
        catalog=catalog,
        objects=objects,
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
    return Service(SERVICE, bus, handlers(deps)), deps


@contextlib.asynccontextmanager
async def from_settings(settings: ValidatorSettings) -> AsyncIterator[Service]:
    """The validator on the parts its settings name: object store, registry and the database its
    run pins live in (shared by every replica), closed on exit."""
    async with (
        open_object_store(settings.objects) as objects,
        connect_registry(settings.registry) as registry,
        open_pins(settings.database.url.get_secret_value()) as pins,
    ):
        service, _deps = bootstrap(
            settings, catalog=RegistryCatalog(registry.resolver, registry.api, pins), objects=objects
        )
        yield service
