"""The resolver's one instrument: `schema.resolver_latency_ms`, by how the answer was obtained."""

from __future__ import annotations

from opentelemetry import metrics

LATENCY = "schema.resolver_latency_ms"
# Bounds that put the seed's latency targets (P95 ≤ 200 ms, ≤ 500 ms) on bucket edges.
LATENCY_BUCKETS_MS = (
    0.1,
    0.5,
    1.0,
    2.0,
    5.0,
    10.0,
    25.0,
    50.0,
    100.0,
    200.0,
    250.0,
    500.0,
    1000.0,
    2500.0,
    10000.0,
)


def latency_histogram(provider: metrics.MeterProvider | None = None) -> metrics.Histogram:
    meter = metrics.get_meter("schemaline.sdk.resolver", meter_provider=provider)
    return meter.create_histogram(
        LATENCY,
        unit="ms",
        description="Time to resolve a schema selector, cache hits included",
        explicit_bucket_boundaries_advisory=LATENCY_BUCKETS_MS,
    )


# Attribute sets are built once: a cached resolve should not allocate them again.
OUTCOMES = {
    name: {"schema.cache": name} for name in ("hit", "refresh", "miss", "revalidated", "stale", "error")
}
