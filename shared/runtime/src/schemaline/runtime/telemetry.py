"""OpenTelemetry set-up and the trace context that rides in `detail.meta`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.propagate import extract, inject
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)

from schemaline.contracts import EventMeta

TRACER_NAME = "schemaline"


def setup_tracing(
    service_name: str, exporter: SpanExporter | None = None, *, batch: bool = True
) -> TracerProvider:
    """A tracer provider for this process; pass an in-memory exporter in tests."""
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    if exporter is not None:
        processor = BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
        provider.add_span_processor(processor)
    return provider


def console_exporter() -> SpanExporter:
    return ConsoleSpanExporter()


class JsonLinesSpanExporter(SpanExporter):
    """Appends finished spans to a file, one JSON object a line (local stacks and process tests)."""

    def __init__(self, path: str) -> None:
        self._path = path

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = "".join(json.dumps(json.loads(span.to_json())) + "\n" for span in spans)
        with open(self._path, "a", encoding="utf-8") as out:
            out.write(lines)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


def carrier_from_meta(meta: EventMeta) -> dict[str, str]:
    carrier = {}
    if meta.traceparent:
        carrier["traceparent"] = meta.traceparent
    if meta.tracestate:
        carrier["tracestate"] = meta.tracestate
    return carrier


def context_from_meta(meta: EventMeta) -> otel_context.Context:
    """The publisher's context, so processing continues its trace."""
    return extract(carrier_from_meta(meta))


def current_trace_fields() -> Mapping[str, str | None]:
    """traceparent/tracestate of the active span, ready to merge into `detail.meta`."""
    carrier: dict[str, str] = {}
    inject(carrier)
    return {"traceparent": carrier.get("traceparent"), "tracestate": carrier.get("tracestate")}


def get_tracer(provider: trace.TracerProvider | None = None) -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME, tracer_provider=provider)
