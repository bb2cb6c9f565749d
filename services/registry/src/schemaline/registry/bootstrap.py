"""The composition root: `bootstrap(settings, **overrides)` builds the registry from its settings."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from opentelemetry import trace
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.contracts import Envelope
from schemaline.registry.api import create_app
from schemaline.registry.auth import TokenTable
from schemaline.registry.compat import Checker
from schemaline.registry.handlers import HANDLERS, SERVICE, EventHandler
from schemaline.registry.migrations import migrate
from schemaline.registry.outbox import OutboxRelay
from schemaline.registry.service import Registry, utcnow
from schemaline.registry.settings import RegistrySettings
from schemaline.registry.sql import SqlRepository
from schemaline.runtime.bus import EventBus, Handler, Transport, build_bus
from schemaline.runtime.db import create_engine
from schemaline.runtime.idempotency import SqlProcessedEvents
from schemaline.runtime.service import Service
from schemaline.sdk import compat


@dataclass
class RegistryService:
    """Everything the registry runs; `running()` is its lifespan (uvicorn enters it through the app)."""

    settings: RegistrySettings
    engine: AsyncEngine
    registry: Registry
    relay: OutboxRelay
    consumer: Service
    app: FastAPI = field(init=False)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[RegistryService]:
        """Migrate, consume and relay; on exit stop relaying and consuming, then release the database."""
        async with self.consumer.running():
            relay_task = asyncio.create_task(self.relay.run(), name="registry:outbox-relay")
            try:
                yield self
            finally:
                relay_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await relay_task

    @contextlib.asynccontextmanager
    async def _lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        async with self.running():
            yield


def _bind(handler: EventHandler, registry: Registry) -> Handler:
    async def handle(envelope: Envelope[Any]) -> None:
        await handler(envelope, registry)

    return handle


def _ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def bootstrap(
    settings: RegistrySettings,
    *,
    engine: AsyncEngine | None = None,
    bus: EventBus | None = None,
    transport: Transport | None = None,
    checker: Checker = compat.check,
    now: Callable[[], datetime] | None = None,
    tracer: trace.Tracer | None = None,
) -> RegistryService:
    """Build the registry; tests pass in-memory parts (a shared transport, a bus, a clock)."""
    if engine is None:
        url = settings.database.url.get_secret_value()
        _ensure_sqlite_folder(url)
        # No ping per checkout: the fetch path retries once on a dead connection instead.
        engine = create_engine(url, pool_pre_ping=False, pool_recycle=1800)
    if bus is None:
        bus = build_bus(
            settings.bus, processed=SqlProcessedEvents(engine), tracer=tracer, transport=transport
        )
    relay = OutboxRelay(engine, bus, settings.outbox)
    registry = Registry(
        repo=SqlRepository(engine),
        checker=checker,
        defaults=settings.compat,
        notify_outbox=relay.notify,
        now=now or utcnow,
    )
    handlers = (
        {event: _bind(HANDLERS[event], registry) for event in HANDLERS} if settings.consume_events else {}
    )
    startup: list[Callable[[], Awaitable[None]]] = []
    if settings.migrate_on_start:
        startup.append(functools.partial(migrate, engine))
    consumer = Service(SERVICE, bus, handlers, startup=startup, shutdown=[engine.dispose])
    service = RegistryService(settings, engine, registry, relay, consumer)
    service.app = create_app(
        registry,
        TokenTable(settings.auth.tokens),
        lifespan=service._lifespan,
        gate_wait_s=settings.confluent.gate_wait_s,
    )
    return service
