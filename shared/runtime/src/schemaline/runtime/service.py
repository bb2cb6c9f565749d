"""Running a service: log settings once, set up tracing, consume until SIGTERM, close cleanly."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from opentelemetry import trace

from schemaline.contracts import Envelope, EventDetail
from schemaline.runtime.bus.event_bus import EventBus
from schemaline.runtime.bus.port import Handler
from schemaline.runtime.health import Heartbeat
from schemaline.runtime.logging import configure_logging
from schemaline.runtime.settings import HealthSettings, ServiceSettings, masked
from schemaline.runtime.telemetry import JsonLinesSpanExporter, console_exporter, setup_tracing

TypedHandler = Callable[[Envelope[Any]], Awaitable[None]]


@dataclass
class Service:
    """A service as its bootstrap builds it: a name, a bus, handlers by event type, resources."""

    name: str
    bus: EventBus
    handlers: Mapping[type[EventDetail], Handler]
    startup: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def subscribe(self) -> None:
        by_handler: dict[Handler, list[str]] = {}
        for event_type, handler in self.handlers.items():
            by_handler.setdefault(handler, []).append(event_type.DETAIL_TYPE)
        for handler, detail_types in by_handler.items():
            self.bus.subscribe(self.name, detail_types, handler)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Service]:
        """Open resources, start consuming; on exit stop consuming first, then close resources."""
        for step in self.startup:
            await step()
        self.subscribe()
        try:
            await self.bus.start()
            yield self
        finally:
            await self.bus.close()
            for step in reversed(self.shutdown):
                await step()


def setup_process(settings: ServiceSettings) -> trace.TracerProvider:
    """Once per process: logging, the masked settings line, tracing."""
    configure_logging(settings.log.level, json_logs=settings.log.json_logs)
    structlog.get_logger("schemaline").info("settings", **masked(settings))
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
    return provider


async def serve_until_signalled(
    service: Service,
    health: HealthSettings | None = None,
    *,
    watch: Sequence[asyncio.Task[Any]] = (),
) -> None:
    """Run until SIGTERM/SIGINT (what ECS and Kubernetes send), then drain and close.

    With `health`, a heartbeat touches `health.heartbeat_path` every `health.interval_s` seconds
    while every consumer task of the bus (and every task in `watch`) still runs: the liveness probe
    `python -m schemaline.runtime.health` reads it.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with service.running(), contextlib.AsyncExitStack() as stack:
        if health is not None:
            heartbeat = Heartbeat(
                health.heartbeat_path, health.interval_s, lambda: (*service.bus.consumer_tasks, *watch)
            )
            await stack.enter_async_context(heartbeat.running())
        structlog.get_logger("schemaline").info("service started", service=service.name)
        await stop.wait()
    structlog.get_logger("schemaline").info("service stopped", service=service.name)
