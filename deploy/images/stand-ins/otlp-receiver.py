"""Stand-in for the OpenTelemetry collector: accepts OTLP/HTTP trace exports (protobuf) on 4318 and
prints one line per export, `service.name span-count`, so compose-test.sh can see who exported."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        request = ExportTraceServiceRequest()
        request.ParseFromString(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        for resource_spans in request.resource_spans:
            names = [
                a.value.string_value for a in resource_spans.resource.attributes if a.key == "service.name"
            ]
            count = sum(len(scope.spans) for scope in resource_spans.scope_spans)
            print(f"exported {names[0] if names else '?'} {count}", flush=True)
        body = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", 4318), Receiver).serve_forever()
