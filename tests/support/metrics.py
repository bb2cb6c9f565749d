"""Reading OpenTelemetry metrics back in tests."""

from opentelemetry.sdk.metrics.export import InMemoryMetricReader, NumberDataPoint


def counter_total(reader: InMemoryMetricReader, name: str) -> float:
    """Sum of every data point of the named counter (0 when it was never recorded)."""
    data = reader.get_metrics_data()
    if data is None:
        return 0
    return sum(
        point.value
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if metric.name == name
        for point in metric.data.data_points
        if isinstance(point, NumberDataPoint)
    )
