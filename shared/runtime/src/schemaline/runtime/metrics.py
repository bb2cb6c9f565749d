"""The process's meter provider and how its metrics leave: OTLP/HTTP, a Prometheus `/metrics`, or both.

Set up once per process (`runtime.process.setup_process`, or a test); every instrument in the
process, the SDK's and the services' alike, records into it through the OpenTelemetry global.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.responses import Response
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from schemaline.runtime.settings import TelemetrySettings

METRICS_PATH = "/metrics"


@dataclass(frozen=True)
class ProcessMetrics:
    """The provider, and the registry `/metrics` serves when the Prometheus exporter is on."""

    provider: MeterProvider
    scrape: CollectorRegistry | None = None


def setup_metrics(
    service_name: str, settings: TelemetrySettings, *, readers: Sequence[MetricReader] = ()
) -> ProcessMetrics:
    """A meter provider with the readers `settings.metrics` names (and `readers`, for tests)."""
    chosen = list(readers)
    scrape = None
    if settings.metrics in ("prometheus", "both"):
        from opentelemetry.exporter.prometheus import PrometheusMetricReader

        scrape = CollectorRegistry()
        chosen.append(PrometheusMetricReader(registry=scrape))
    if settings.metrics in ("otlp", "both"):
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        exporter = OTLPMetricExporter(endpoint=settings.otlp_metrics_endpoint)
        interval_ms = settings.metrics_interval_s * 1000
        chosen.append(PeriodicExportingMetricReader(exporter, export_interval_millis=interval_ms))
    resource = Resource.create({"service.name": service_name})
    return ProcessMetrics(MeterProvider(metric_readers=chosen, resource=resource), scrape)


def serve_metrics(app: FastAPI, scrape: CollectorRegistry) -> None:
    """`GET /metrics` on `app`: the process's metrics in Prometheus's text format (no token: scrapers
    carry none, and nothing in it is secret)."""

    @app.get(METRICS_PATH, include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(scrape), media_type=CONTENT_TYPE_LATEST)
