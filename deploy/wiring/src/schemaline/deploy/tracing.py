"""Traces from the Lambda and the Glue jobs, which no Schemaline service process sets up.

OpenTelemetry's own environment variables choose, as AWS's OpenTelemetry Lambda layer (ADOT) and
any OTLP collector expect: `OTEL_TRACES_EXPORTER=otlp` sends spans over OTLP/HTTP to
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (or `OTEL_EXPORTER_OTLP_ENDPOINT`; in Lambda, the ADOT
collector extension on localhost:4318), `console` writes them to the log, and `none` (the default)
keeps them in the process. `OTEL_SERVICE_NAME` overrides the stage's name.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter

from schemaline.runtime.telemetry import console_exporter, setup_tracing

EXPORTER_ENV = "OTEL_TRACES_EXPORTER"


def _exporter(name: str) -> SpanExporter | None:
    if name == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()  # its endpoint and headers from the OTEL_EXPORTER_OTLP_* variables
    if name == "console":
        return console_exporter()
    if name == "none":
        return None
    raise ValueError(f"{EXPORTER_ENV}={name!r}: use otlp, console or none")


def setup_stage_tracing(service_name: str, environ: Mapping[str, str] | None = None) -> TracerProvider | None:
    """Make the process's tracer provider export as the environment says; None when it says none.

    The caller flushes it: the Lambda after every invocation (the environment may be frozen or
    dropped next), a Glue job once its run is over (`wiring.stage_telemetry` does both).
    """
    env = os.environ if environ is None else environ
    exporter = _exporter(env.get(EXPORTER_ENV, "none").strip().lower())
    if exporter is None:
        return None
    provider = setup_tracing(env.get("OTEL_SERVICE_NAME", service_name), exporter)
    trace.set_tracer_provider(provider)
    return provider
