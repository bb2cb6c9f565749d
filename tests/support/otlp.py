"""An OTLP/HTTP receiver on loopback that decodes what exporters send (metrics, traces), for assertions."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest


@dataclass
class Point:
    """One data point as received: its attributes, and its numbers (count, sum, min, max; asInt)."""

    service: str
    attributes: dict[str, Any]
    data: dict[str, Any]
    unit: str


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    name: str
    trace_id: str
    kind: int


@dataclass
class OtlpReceiver:
    url: str
    requests: list[ExportMetricsServiceRequest] = field(default_factory=list)
    trace_requests: list[ExportTraceServiceRequest] = field(default_factory=list)

    @property
    def metrics_url(self) -> str:
        return f"{self.url}/v1/metrics"

    @property
    def traces_url(self) -> str:
        return f"{self.url}/v1/traces"

    def spans(self) -> list[ReceivedSpan]:
        """Every span received so far, with its service's name."""
        return [
            ReceivedSpan(_service(resource.resource.attributes), span.name, span.trace_id.hex(), span.kind)
            for request in self.trace_requests
            for resource in request.resource_spans
            for scope in resource.scope_spans
            for span in scope.spans
        ]

    def points(self, name: str) -> list[Point]:
        """The named metric's points in the last export that carried it (exports are cumulative)."""
        for request in reversed(self.requests):
            found = list(_points(request, name))
            if found:
                return found
        return []


def _points(request: ExportMetricsServiceRequest, name: str) -> Iterator[Point]:
    for resource in request.resource_metrics:
        service = _service(resource.resource.attributes)
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name != name:
                    continue
                for point in metric.histogram.data_points:
                    data = {"count": point.count, "sum": point.sum, "min": point.min, "max": point.max}
                    yield Point(service, _attributes(point.attributes), data, metric.unit)
                for number in metric.sum.data_points:
                    data = {"asInt": number.as_int, "asDouble": number.as_double}
                    yield Point(service, _attributes(number.attributes), data, metric.unit)


def _service(attributes: Any) -> str:
    return next((a.value.string_value for a in attributes if a.key == "service.name"), "")


def _attributes(pairs: Any) -> dict[str, Any]:
    return {pair.key: getattr(pair.value, pair.value.WhichOneof("value")) for pair in pairs}


@contextlib.contextmanager
def otlp_receiver() -> Iterator[OtlpReceiver]:
    """Accepts `POST /v1/metrics` and `/v1/traces` (protobuf) and keeps every decoded request."""
    received: list[ExportMetricsServiceRequest] = []
    traces: list[ExportTraceServiceRequest] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path == "/v1/metrics":
                request = ExportMetricsServiceRequest()
                request.ParseFromString(body)
                received.append(request)
            elif self.path == "/v1/traces":
                spans = ExportTraceServiceRequest()
                spans.ParseFromString(body)
                traces.append(spans)
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield OtlpReceiver(f"http://127.0.0.1:{server.server_address[1]}", received, traces)
    finally:
        server.shutdown()
        server.server_close()
