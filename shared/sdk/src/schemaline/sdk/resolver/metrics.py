"""The resolver's one instrument: `schema.resolver_latency_ms`, by how the answer was obtained."""

from __future__ import annotations

from opentelemetry import metrics

LATENCY = "schema.resolver_latency_ms"


def latency_histogram(provider: metrics.MeterProvider | None = None) -> metrics.Histogram:
    meter = metrics.get_meter("schemaline.sdk.resolver", meter_provider=provider)
    return meter.create_histogram(
        LATENCY, unit="ms", description="Time to resolve a schema selector, cache hits included"
    )


# Attribute sets are built once: a cached resolve should not allocate them again.
OUTCOMES = {
    name: {"schema.cache": name} for name in ("hit", "refresh", "miss", "revalidated", "stale", "error")
}
