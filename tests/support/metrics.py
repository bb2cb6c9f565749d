"""Reading OpenTelemetry metrics back in tests."""

import contextlib
from collections.abc import Iterator

from opentelemetry import metrics
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, NumberDataPoint


def points(reader: InMemoryMetricReader, name: str) -> list[NumberDataPoint]:
    """Every data point of the named counter (none when it was never recorded)."""
    data = reader.get_metrics_data()
    if data is None:
        return []
    return [
        point
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if metric.name == name
        for point in metric.data.data_points
        if isinstance(point, NumberDataPoint)
    ]


def counter_total(reader: InMemoryMetricReader, name: str) -> float:
    """Sum of every data point of the named counter (0 when it was never recorded)."""
    return sum(point.value for point in points(reader, name))


@contextlib.contextmanager
def global_meter_provider(provider: MeterProvider) -> Iterator[MeterProvider]:
    """`provider` as the process's global meter provider (what `setup_process` sets) for a block.

    OpenTelemetry sets the global once per process; a test process runs many, so the block resets it
    before and after (as OpenTelemetry's own test utilities do).
    """
    _reset_global_meter_provider()
    metrics.set_meter_provider(provider)
    try:
        yield provider
    finally:
        provider.shutdown()
        _reset_global_meter_provider()


def _reset_global_meter_provider() -> None:
    from opentelemetry.metrics import _internal
    from opentelemetry.util._once import Once

    _internal._METER_PROVIDER_SET_ONCE = Once()
    _internal._METER_PROVIDER = None
