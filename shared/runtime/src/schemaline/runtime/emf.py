"""Metrics as CloudWatch embedded metric format (EMF) lines, for the Lambda and the Glue jobs.

Neither runs a collector: a JSON line on stdout, in EMF, becomes CloudWatch metrics when Lambda or
Glue ships the log. `EmfReader` is an OpenTelemetry metric reader that writes one EMF document per
data point when flushed (after each invocation or run), with delta temporality, so each line says
what happened since the last flush. EMF carries values, not buckets: a histogram point of one or
two measurements is exact (its sum; its min and max); larger ones repeat each bucket's midpoint,
clamped to the point's min and max, as often as the bucket counted (CloudWatch's percentiles are
then as precise as the buckets). At most 100 values go in one document (EMF's limit).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TextIO

from opentelemetry.sdk.metrics import Counter, Histogram, ObservableCounter, UpDownCounter
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    HistogramDataPoint,
    MetricReader,
    MetricsData,
    NumberDataPoint,
)

NAMESPACE = "Schemaline"
MAX_VALUES = 100
UNITS = {"ms": "Milliseconds", "%": "Percent", "s": "Seconds", "By": "Bytes"}
# CloudWatch dimensions per metric (few, for cost and cardinality); every attribute is a property.
DIMENSIONS: Mapping[str, tuple[str, ...]] = {
    "pipeline.validation_success_rate": ("component", "layer"),
    "pipeline.runtime_validation_latency_ms": ("component", "layer"),
    "pipeline.failure_rate": ("pipeline_id",),
    "pipeline.drift_events": ("subject",),
    "schema.resolver_latency_ms": (),
}


class EmfReader(MetricReader):
    """Writes EMF lines to `out` (stdout by default) on `flush()`; nothing runs in the background."""

    def __init__(self, out: TextIO | None = None, *, namespace: str = NAMESPACE) -> None:
        delta = AggregationTemporality.DELTA
        super().__init__(
            preferred_temporality={
                Counter: delta,
                UpDownCounter: delta,
                ObservableCounter: delta,
                Histogram: delta,
            }
        )
        self._out = out
        self._namespace = namespace

    def flush(self) -> None:
        self.collect()

    def _receive_metrics(
        self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any
    ) -> None:
        out = self._out or sys.stdout
        lines = [json.dumps(document) for document in documents(metrics_data, self._namespace)]
        if lines:
            out.write("\n".join(lines) + "\n")
            out.flush()

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        return None


def documents(data: MetricsData, namespace: str = NAMESPACE) -> Iterator[dict[str, Any]]:
    """One EMF document per data point (more when it has over 100 values)."""
    now = int(time.time() * 1000)
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                unit = UNITS.get(
                    metric.unit or "", "Count" if (metric.unit or "").startswith("{") else "None"
                )
                for point in metric.data.data_points:
                    values = _values(point)
                    if not values:
                        continue
                    attributes = {key: str(value) for key, value in (point.attributes or {}).items()}
                    dimensions = [key for key in DIMENSIONS.get(metric.name, ()) if key in attributes]
                    for start in range(0, len(values), MAX_VALUES):
                        chunk = values[start : start + MAX_VALUES]
                        directive = {
                            "Namespace": namespace,
                            "Dimensions": [dimensions],
                            "Metrics": [{"Name": metric.name, "Unit": unit}],
                        }
                        yield {
                            "_aws": {"Timestamp": now, "CloudWatchMetrics": [directive]},
                            **attributes,
                            metric.name: chunk[0] if len(chunk) == 1 else chunk,
                        }


def _values(point: Any) -> list[float]:
    if isinstance(point, NumberDataPoint):
        return [float(point.value)] if point.value else []
    if isinstance(point, HistogramDataPoint):
        return histogram_values(
            point.count, point.sum, point.min, point.max, point.bucket_counts, point.explicit_bounds
        )
    return []


def histogram_values(
    count: int,
    total: float,
    low: float,
    high: float,
    bucket_counts: Sequence[int],
    bounds: Sequence[float],
) -> list[float]:
    """The values a histogram point stands for: exact for one or two, bucket midpoints beyond."""
    if count == 0:
        return []
    if count == 1:
        return [total]
    if count == 2:
        return [low, high]
    clamp: Callable[[float], float] = lambda value: min(max(value, low), high)  # noqa: E731
    values: list[float] = []
    for index, times in enumerate(bucket_counts):
        if not times:
            continue
        lower = bounds[index - 1] if index > 0 else low
        upper = bounds[index] if index < len(bounds) else high
        values.extend([clamp((lower + upper) / 2)] * times)
    return values
