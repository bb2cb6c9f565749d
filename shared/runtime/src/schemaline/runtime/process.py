"""A service as a process: `python -m schemaline.<service> [serve|migrate]`, the same for every one.

`serve` (the default) logs the settings once, sets up tracing and metrics, starts the service,
serves its HTTP API (and `/metrics`) when enabled, keeps the liveness heartbeat, and on
SIGTERM/SIGINT (what ECS and Kubernetes send) stops consuming first, then closes everything.
`migrate` creates or upgrades the service's tables under an advisory lock and exits: run it once
per deploy, before the service starts.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import signal
import sys
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from opentelemetry import metrics, trace
from prometheus_client import CollectorRegistry

from schemaline.runtime.health import Heartbeat
from schemaline.runtime.logging import configure_logging
from schemaline.runtime.metrics import ProcessMetrics, setup_metrics
from schemaline.runtime.migrate import SchemaMissingError
from schemaline.runtime.service import Running, ServiceSpec, migrate, start
from schemaline.runtime.settings import ServiceSettings, masked
from schemaline.runtime.telemetry import JsonLinesSpanExporter, console_exporter, get_tracer, setup_tracing

log = structlog.get_logger("schemaline")


class HttpStartError(RuntimeError):
    """The service's HTTP API did not start (its port is taken, say)."""


@dataclass(frozen=True)
class Telemetry:
    tracer_provider: trace.TracerProvider
    metrics: ProcessMetrics


def setup_process(settings: ServiceSettings) -> Telemetry:
    """Once per process: logging, the masked settings line, tracing and metrics (the globals)."""
    configure_logging(settings.log.level, json_logs=settings.log.json_logs)
    log.info("settings", **masked(settings))
    exporter = None
    if settings.telemetry.exporter == "console":
        exporter = console_exporter()
    elif settings.telemetry.exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
            OTLPSpanExporter,
        )

        exporter = OTLPSpanExporter(endpoint=settings.telemetry.otlp_endpoint)
    elif settings.telemetry.exporter == "jsonl" and settings.telemetry.jsonl_path:
        exporter = JsonLinesSpanExporter(settings.telemetry.jsonl_path)
    provider = setup_tracing(settings.service_name, exporter)
    trace.set_tracer_provider(provider)
    atexit.register(provider.shutdown)  # flush the last spans when the process ends
    measured = setup_metrics(settings.service_name, settings.telemetry)
    metrics.set_meter_provider(measured.provider)
    atexit.register(measured.provider.shutdown)  # export the last metrics too
    return Telemetry(provider, measured)


async def serve(
    spec: ServiceSpec[Any, Any],
    settings: ServiceSettings,
    tracer: trace.Tracer,
    scrape: CollectorRegistry | None = None,
) -> None:
    """Run until signalled; the heartbeat stops when a consumer, the relay or the HTTP server stops."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    started = start(spec, settings, tracer=tracer, scrape=scrape)
    async with started as running, contextlib.AsyncExitStack() as stack:
        if running.http_app is not None and settings.http.enabled:
            await stack.enter_async_context(_http(running))
        health = settings.health
        heartbeat = Heartbeat(health.heartbeat_path, health.interval_s, running.alive)
        await stack.enter_async_context(heartbeat.running())
        log.info("service started", service=spec.name)
        await stop.wait()
    log.info("service stopped", service=spec.name)


@contextlib.asynccontextmanager
async def _http(running: Running[Any, Any]) -> AsyncIterator[None]:
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield  # signals are the runtime's: SIGTERM stops consumers first, then this server

    http = running.settings.http
    config = uvicorn.Config(
        running.app,
        host=http.host,
        port=http.port,
        log_config=None,
        access_log=False,
        lifespan="off",  # the runtime, not uvicorn, opens and closes the service's parts
    )
    server = Server(config)

    async def serve_http() -> None:
        try:
            await server.serve()
        except SystemExit as exc:  # uvicorn exits when it cannot bind: a failure, not the process's end
            raise HttpStartError(
                f"{running.name}: HTTP API could not start on {http.host}:{http.port}"
            ) from exc

    task = asyncio.create_task(serve_http(), name=f"http:{running.name}")
    while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn only sets a flag
        await asyncio.sleep(0.01)
    if task.done():
        task.result()  # raises why it stopped
    running.tasks.append(task)
    try:
        yield
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task


def main(spec: ServiceSpec[Any, Any], argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m schemaline.{spec.name}")
    parser.add_argument(
        "command",
        nargs="?",
        default="serve",
        choices=["serve", "migrate"],
        help="serve (default) or migrate: create/upgrade the tables once per deploy, then exit",
    )
    args = parser.parse_args(argv)
    settings = spec.settings()
    telemetry = setup_process(settings)
    try:
        if args.command == "migrate":
            asyncio.run(_migrate(spec, settings))
        else:
            tracer = get_tracer(telemetry.tracer_provider)
            asyncio.run(serve(spec, settings, tracer, telemetry.metrics.scrape))
    except (SchemaMissingError, HttpStartError) as exc:
        log.error("service could not start", reason=str(exc))
        sys.exit(3)


async def _migrate(spec: ServiceSpec[Any, Any], settings: ServiceSettings) -> None:
    from schemaline.runtime.db import create_engine

    if not spec.stateful:
        log.info("nothing to migrate: the service keeps no tables", service=spec.name)
        return
    engine = create_engine(settings.database.url.get_secret_value(), **spec.engine_options)
    try:
        await migrate(spec, engine)
    finally:
        await engine.dispose()
