"""`pipeline_deps`: the factory the Glue job and Lambda definitions name (`--pipeline-deps`,
`SCHEMALINE_PIPELINE_DEPS`). It builds a stage's production parts from the job's arguments (Glue
passes them on the command line) or the function's environment (Lambda):

| job argument | environment | meaning |
|---|---|---|
| `--registry-url` | `SCHEMALINE_REGISTRY_URL` | the registry's API |
| `--registry-token-secret` | `SCHEMALINE_REGISTRY_TOKEN_SECRET` | Secrets Manager id of a runner-role token |
| `--event-bus` | `SCHEMALINE_EVENT_BUS` | the EventBridge bus stages publish to |
| `--aws-region` | `SCHEMALINE_AWS_REGION`, `AWS_REGION` | region of S3, EventBridge and Secrets Manager |
| `--aws-endpoint-url` | `SCHEMALINE_AWS_ENDPOINT_URL` | a moto server in tests; unset on AWS |

S3 is the object store, EventBridge (provisioning off: a stage only puts events) the publisher,
the registry's cached resolver the schema source, and metrics leave as CloudWatch EMF lines on
stdout (`schemaline.runtime.emf`). The token is read once per run (Glue) or per
execution environment (Lambda) and never logged.

`local_pipeline_deps` wires the same stages off AWS (the k8s local overlay's hourly KPI CronJob):
from `PipelineSettings`, the services' settings shape under `SCHEMALINE_PIPELINE_` (bus, objects,
registry), so RabbitMQ and a moto server's S3 work as they do for the services.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import Resource
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from schemaline.deploy.tracing import setup_stage_tracing
from schemaline.pipelines.deps import StageDeps
from schemaline.runtime.aws import aws_session
from schemaline.runtime.bus import EventBridgeTransport, EventBus, build_bus
from schemaline.runtime.emf import EmfReader
from schemaline.runtime.objectstore import ObjectStore, S3ObjectStore, open_object_store
from schemaline.runtime.settings import ServiceSettings
from schemaline.sdk.metrics import PipelineMetrics
from schemaline.sdk.registry_settings import RegistryClients, RegistryClientSettings, connect_registry

OPTIONS = {
    "registry_url": ("--registry-url", "SCHEMALINE_REGISTRY_URL"),
    "token_secret": ("--registry-token-secret", "SCHEMALINE_REGISTRY_TOKEN_SECRET"),
    "event_bus": ("--event-bus", "SCHEMALINE_EVENT_BUS"),
    "region": ("--aws-region", "SCHEMALINE_AWS_REGION"),
    "endpoint_url": ("--aws-endpoint-url", "SCHEMALINE_AWS_ENDPOINT_URL"),
}


class WiringConfigError(RuntimeError):
    """A job argument or environment variable the production wiring needs is missing."""


@dataclass(frozen=True, slots=True)
class PipelineWiring:
    registry_url: str
    token_secret: str
    event_bus: str
    region: str
    endpoint_url: str | None = None

    @classmethod
    def from_sources(cls, argv: Sequence[str], environ: Mapping[str, str]) -> PipelineWiring:
        """Job arguments first (`--name value`, Glue's own ignored), then the environment."""
        parser = argparse.ArgumentParser(add_help=False)
        for field, (flag, _) in OPTIONS.items():
            parser.add_argument(flag, dest=field)
        known, _ = parser.parse_known_args(list(argv))
        values = {
            field: getattr(known, field) or environ.get(env) or None for field, (_, env) in OPTIONS.items()
        }
        values["region"] = values["region"] or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
        missing = [
            f"{OPTIONS[f][0]} (or {OPTIONS[f][1]})"
            for f in ("registry_url", "token_secret", "event_bus", "region")
            if not values[f]
        ]
        if missing:
            raise WiringConfigError(f"the production pipeline wiring needs {', '.join(missing)}")
        return cls(**values)  # type: ignore[arg-type]


async def read_token(wiring: PipelineWiring) -> SecretStr:
    """The runner token from Secrets Manager (the stage roles may read that one secret only)."""
    session = aws_session()
    async with session.create_client(
        "secretsmanager", region_name=wiring.region, endpoint_url=wiring.endpoint_url
    ) as secrets:
        answer = await secrets.get_secret_value(SecretId=wiring.token_secret)
    return SecretStr(str(answer["SecretString"]).strip())


STAGE_SERVICE_NAME = "schemaline-pipelines"  # OTEL_SERVICE_NAME names the function or job instead


def stage_telemetry() -> tuple[MeterProvider, PipelineMetrics]:
    """On Lambda and Glue no collector runs: metrics leave as EMF lines on stdout, and spans over
    OTLP when OpenTelemetry's environment asks (`schemaline.deploy.tracing`: the ADOT layer's
    collector in Lambda). Both are flushed after each invocation (the Lambda handler flushes the
    metrics) or run (when the parts close)."""
    reader = EmfReader()
    provider = MeterProvider(metric_readers=[reader], resource=Resource.create({"service.name": "pipelines"}))
    tracing = setup_stage_tracing(STAGE_SERVICE_NAME)

    def flush() -> None:
        reader.flush()
        if tracing is not None:
            tracing.force_flush()

    return provider, PipelineMetrics.create(provider, flush=flush)


@contextlib.asynccontextmanager
async def open_deps(wiring: PipelineWiring) -> AsyncIterator[StageDeps]:
    token = await read_token(wiring)
    provider, metrics = stage_telemetry()
    bus = EventBus(
        EventBridgeTransport(
            event_bus=wiring.event_bus,
            region=wiring.region,
            endpoint_url=wiring.endpoint_url,
            provision=False,
        )
    )
    async with (
        S3ObjectStore.connect(endpoint_url=wiring.endpoint_url, region_name=wiring.region) as objects,
        connect_registry(
            RegistryClientSettings(url=wiring.registry_url, token=token), meter_provider=provider
        ) as registry,
        _stage_deps(objects, bus, registry, metrics) as deps,
    ):
        yield deps


@contextlib.asynccontextmanager
async def _stage_deps(
    objects: ObjectStore, bus: EventBus, registry: RegistryClients, metrics: PipelineMetrics
) -> AsyncIterator[StageDeps]:
    """A stage's parts once the bus is connected; the metrics flushed and the bus closed after."""
    try:
        await bus.connect()
        yield StageDeps(
            objects=objects,
            publisher=bus,
            schemas=registry.resolver,
            contracts=registry.contracts,
            metrics=metrics,
        )
    finally:
        metrics.flush()
        await bus.close()


def pipeline_deps() -> contextlib.AbstractAsyncContextManager[StageDeps]:
    """The `DepsFactory` the definitions name: reads this process's arguments and environment."""
    return open_deps(PipelineWiring.from_sources(sys.argv[1:], os.environ))


class PipelineSettings(ServiceSettings):
    """A stage run off AWS: `SCHEMALINE_PIPELINE_BUS__*`, `_OBJECTS__*`, `_REGISTRY__URL`/`__TOKEN`."""

    model_config = SettingsConfigDict(env_prefix="SCHEMALINE_PIPELINE_")

    service_name: str = "pipelines"
    registry: RegistryClientSettings = Field(default_factory=RegistryClientSettings)


@contextlib.asynccontextmanager
async def open_local_deps(settings: PipelineSettings) -> AsyncIterator[StageDeps]:
    from schemaline.runtime.metrics import setup_metrics  # the services' exporters (FastAPI's weight)

    bus = build_bus(settings.bus)
    provider = setup_metrics(settings.service_name, settings.telemetry).provider  # as the services do
    metrics = PipelineMetrics.create(provider, flush=provider.force_flush)
    async with (
        open_object_store(settings.objects) as objects,
        connect_registry(settings.registry, meter_provider=provider) as registry,
    ):
        try:
            async with _stage_deps(objects, bus, registry, metrics) as deps:
                yield deps
        finally:
            provider.shutdown()


def local_pipeline_deps() -> contextlib.AbstractAsyncContextManager[StageDeps]:
    """The `DepsFactory` for stages run off AWS: reads `PipelineSettings` from the environment."""
    return open_local_deps(PipelineSettings())
