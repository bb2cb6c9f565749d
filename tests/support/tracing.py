"""The process's global tracer provider for a block, as `setup_process` sets it (tests run many)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider


@contextlib.contextmanager
def global_tracer_provider(provider: TracerProvider) -> Iterator[TracerProvider]:
    _reset()
    trace.set_tracer_provider(provider)
    try:
        yield provider
    finally:
        provider.shutdown()
        _reset()


def _reset() -> None:
    from opentelemetry.util._once import Once

    trace._TRACER_PROVIDER_SET_ONCE = Once()
    trace._TRACER_PROVIDER = None
