"""The process's global tracer provider for a block, as `setup_process` sets it (tests run many)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


@contextlib.contextmanager
def global_tracer_provider(provider: TracerProvider) -> Iterator[TracerProvider]:
    _reset()
    trace.set_tracer_provider(provider)
    try:
        yield provider
    finally:
        provider.shutdown()
        _reset()


@contextlib.contextmanager
def recorded_spans() -> Iterator[InMemorySpanExporter]:
    """A global provider for the block whose every finished span lands in the yielded exporter."""
    from schemaline.runtime.telemetry import setup_tracing

    exporter = InMemorySpanExporter()
    provider = setup_tracing("test")
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with global_tracer_provider(provider):
        yield exporter


@contextlib.contextmanager
def fresh_global_tracer() -> Iterator[None]:
    """No global tracer provider before the block (the code under test sets its own); the one it set
    is shut down after (its spans sent while the test's receiver still listens), and forgotten."""
    _reset()
    try:
        yield
    finally:
        if isinstance(trace._TRACER_PROVIDER, TracerProvider):
            trace._TRACER_PROVIDER.shutdown()
        _reset()


def _reset() -> None:
    from opentelemetry.util._once import Once

    trace._TRACER_PROVIDER_SET_ONCE = Once()
    trace._TRACER_PROVIDER = None
