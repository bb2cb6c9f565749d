"""A server span per HTTP request, continuing the caller's W3C trace context (`traceparent`).

So a registry fetch made inside a run's span, by a stage or a service, shows in that run's trace
with the time the registry took; and log lines written while handling it carry the trace id.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry.propagate import extract
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TRACER = "schemaline.http"


class TraceRequests:
    """ASGI middleware: `SERVER` span `METHOD /path`, with the method, path and status code."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]}
        method, path = scope["method"], scope["path"]
        attributes: dict[str, Any] = {"http.request.method": method, "url.path": path}
        tracer = trace.get_tracer(TRACER)
        with tracer.start_as_current_span(
            f"{method} {path}", context=extract(headers), kind=trace.SpanKind.SERVER, attributes=attributes
        ) as span:

            async def send_status(message: Message) -> None:
                if message["type"] == "http.response.start":
                    span.set_attribute("http.response.status_code", message["status"])
                await send(message)

            await self.app(scope, receive, send_status)
