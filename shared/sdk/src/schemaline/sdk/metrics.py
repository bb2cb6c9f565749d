"""The seed's pipeline metrics: their names, units and attributes, and the one place each is made.

A rate is a histogram of 100 (success, failure) or 0 per validation or run, in `%`: its sum over
its count is the rate over any window (`_sum / _count` in Prometheus), and its count the number
of validations or runs. The resolver's `schema.resolver_latency_ms` is the resolver's own
(`schemaline.sdk.resolver.metrics`). Instruments come from the process's meter provider (the
OpenTelemetry global unless one is passed), so whoever sets up the process chooses the exporter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from opentelemetry import metrics

from schemaline.sdk.resolver.metrics import LATENCY as RESOLVER_LATENCY
from schemaline.sdk.resolver.metrics import LATENCY_BUCKETS_MS

VALIDATION_SUCCESS_RATE = "pipeline.validation_success_rate"
DRIFT_EVENTS = "pipeline.drift_events"
VALIDATION_LATENCY = "pipeline.runtime_validation_latency_ms"
FAILURE_RATE = "pipeline.failure_rate"
SEED_METRICS = (VALIDATION_SUCCESS_RATE, DRIFT_EVENTS, VALIDATION_LATENCY, RESOLVER_LATENCY, FAILURE_RATE)

RATE_BUCKETS = (0.0, 100.0)

Check = Literal["envelope", "payload", "pre", "post", "publish", "batch"]


@dataclass(frozen=True)
class PipelineMetrics:
    """Validations (where any stage or service checks records) and runs (where a stage ends).

    `flush` sends what was recorded where nothing exports in the background: the Lambda calls it
    after each invocation (EMF lines, `schemaline.runtime.emf`); elsewhere it does nothing.
    """

    success: metrics.Histogram
    latency: metrics.Histogram
    failures: metrics.Histogram
    drift: metrics.Counter
    flush: Callable[[], object] = lambda: None

    @classmethod
    def create(
        cls, provider: metrics.MeterProvider | None = None, *, flush: Callable[[], object] | None = None
    ) -> PipelineMetrics:
        meter = metrics.get_meter("schemaline.pipeline", meter_provider=provider)
        return cls(
            flush=flush or (lambda: None),
            success=meter.create_histogram(
                VALIDATION_SUCCESS_RATE,
                unit="%",
                description="100 per validation that passed, 0 per one that drifted or failed",
                explicit_bucket_boundaries_advisory=RATE_BUCKETS,
            ),
            latency=meter.create_histogram(
                VALIDATION_LATENCY,
                unit="ms",
                description="Time spent validating one batch (or one job check)",
                explicit_bucket_boundaries_advisory=LATENCY_BUCKETS_MS,
            ),
            failures=meter.create_histogram(
                FAILURE_RATE,
                unit="%",
                description="100 per stage run that failed, 0 per run that landed its batch",
                explicit_bucket_boundaries_advisory=RATE_BUCKETS,
            ),
            drift=meter.create_counter(
                DRIFT_EVENTS, unit="{event}", description="Schema drift detections (count per day)"
            ),
        )

    def validation(
        self, outcome: str, elapsed_ms: float, *, component: str, layer: str, check: Check
    ) -> None:
        """One validation whose verdict is `outcome` (pass, drift, fail); `component` is who checked
        (`validator`, `lambda:extractor`, `glue:gdp`)."""
        outcome = str(outcome)
        attributes = {"component": component, "layer": layer, "check": check, "outcome": outcome}
        self.success.record(100.0 if outcome == "pass" else 0.0, attributes)
        self.latency.record(elapsed_ms, attributes)

    def run(self, *, pipeline_id: str, layer: str, component: str, failed: bool) -> None:
        """A stage run ended: it landed its batch, or emitted `PipelineFailed`."""
        attributes = {"pipeline_id": pipeline_id, "layer": layer, "component": component}
        self.failures.record(100.0 if failed else 0.0, attributes)

    def drift_detected(self, *, subject: str, kind: str) -> None:
        self.drift.add(1, {"subject": subject, "kind": kind})
