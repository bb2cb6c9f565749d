"""The one service shape: a declarative spec per service, started the same way everywhere.

`python -m schemaline.<service>` (see `runtime.process`), the embedded demo stack and the tests all
go through `start(spec, settings, **overrides)`: it opens the database (migrating or checking it)
and, for a spec that asks, the object store; builds the bus, opens the service's own parts, binds
its handlers, starts consuming and relaying the outbox, and on exit stops consuming first, then
closes what it opened, in reverse order.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import httpx
from fastapi import FastAPI
from opentelemetry import trace
from prometheus_client import CollectorRegistry
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.runtime.bus import EventBus, Transport, build_bus
from schemaline.runtime.db import create_engine
from schemaline.runtime.handling import Binding, Handlers, TxHandlers
from schemaline.runtime.http.app import create_api_app, limit_requests
from schemaline.runtime.http.auth import TokenTable
from schemaline.runtime.http.dlq import serve_dead_letters
from schemaline.runtime.metrics import serve_metrics
from schemaline.runtime.migrate import Migration, create_all, require_tables, run_migration
from schemaline.runtime.objectstore import ObjectStore, open_object_store
from schemaline.runtime.outbox import OutboxRelay
from schemaline.runtime.settings import ServiceSettings
from schemaline.runtime.tables import metadata as runtime_metadata

S = TypeVar("S", bound=ServiceSettings)
D = TypeVar("D")


@dataclass(frozen=True)
class Parts(Generic[S]):
    """What the runtime opened for a service, handed to the service's own `open`."""

    settings: S
    bus: EventBus
    engine: AsyncEngine | None = None
    relay: OutboxRelay | None = None
    # How this service reaches other services' HTTP APIs; the embedded stack serves them in-process.
    http: httpx.AsyncBaseTransport | None = None
    # The object store `settings.objects` names, for a spec with `objects=True`.
    store: ObjectStore | None = None

    def database(self) -> AsyncEngine:
        if self.engine is None:
            raise TypeError(f"{self.settings.service_name} has no database")
        return self.engine

    def outbox(self) -> OutboxRelay:
        if self.relay is None:
            raise TypeError(f"{self.settings.service_name} has no outbox")
        return self.relay

    def objects(self) -> ObjectStore:
        if self.store is None:
            raise TypeError(f"{self.settings.service_name} has no object store")
        return self.store


@dataclass(frozen=True)
class ServiceSpec(Generic[S, D]):
    """Everything that makes a service itself; the runtime does the rest the same for every one."""

    name: str
    settings: type[S]
    handlers: Handlers[D] | TxHandlers[D]
    # Opens the handlers' dependencies from the runtime's parts; keyword overrides replace real parts
    # with fakes in tests (e.g. `catalog=InMemoryCatalog()`).
    open: Callable[..., AbstractAsyncContextManager[D]]
    tables: Sequence[MetaData] = ()
    # The schema migration; default: create what is missing of `tables` and the runtime's tables.
    migration: Migration | None = None
    api: Callable[[D, Parts[S]], FastAPI] | None = None
    engine_options: Mapping[str, Any] = field(default_factory=dict)
    # The service reads or writes objects: the runtime opens the store its settings name (`Parts.store`).
    objects: bool = False

    @property
    def stateful(self) -> bool:
        return bool(self.tables) or self.migration is not None

    def migrate_with(self) -> Migration:
        return self.migration or create_all(*self.tables)

    def table_names(self) -> set[str]:
        return {name for schema in (runtime_metadata, *self.tables) for name in schema.tables}


def dead_letter_api(service: str) -> Callable[[Any, Parts[Any]], FastAPI]:
    """An operator API with no routes of its own, for a consumer with no other operator actions:
    health, whoami and (added by `start`, as on every consumer's API) `/api/v1/dlq`, so its dead
    letters need no broker tools."""

    def api(_deps: Any, parts: Parts[Any]) -> FastAPI:
        return create_api_app(
            title=f"Schemaline {service}",
            description=f"The {service}'s dead letters (list, show, redrive) and its health.",
            tokens=TokenTable(parts.settings.auth.tokens),
            routers=[],
        )

    return api


@dataclass
class Running(Generic[S, D]):
    """A started service: its settings, dependencies and parts, and its HTTP app if it has one."""

    spec: ServiceSpec[S, D]
    settings: S
    deps: D
    bus: EventBus
    engine: AsyncEngine | None
    relay: OutboxRelay | None
    http_app: FastAPI | None
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def app(self) -> FastAPI:
        """The service's HTTP API (served by `serve`, or in-process through httpx's ASGI transport)."""
        if self.http_app is None:
            raise TypeError(f"{self.name} has no HTTP API")
        return self.http_app

    def alive(self) -> tuple[asyncio.Task[Any], ...]:
        """The tasks that must keep running: consumers and the outbox relay (the liveness probe's)."""
        return (*self.bus.consumer_tasks, *self.tasks)


async def migrate(spec: ServiceSpec[Any, Any], engine: AsyncEngine) -> None:
    await run_migration(engine, spec.migrate_with(), service=spec.name)


@contextlib.asynccontextmanager
async def start(
    spec: ServiceSpec[S, D],
    settings: S,
    *,
    transport: Transport | None = None,
    engine: AsyncEngine | None = None,
    http: httpx.AsyncBaseTransport | None = None,
    objects: ObjectStore | None = None,
    tracer: trace.Tracer | None = None,
    scrape: CollectorRegistry | None = None,
    **overrides: Any,
) -> AsyncIterator[Running[S, D]]:
    """Start `spec` on `settings`; overrides replace parts (a shared transport, an engine, an object
    store, fakes of the service's own parts).

    With `scrape`, the service's HTTP app (a bare one if it has no API) serves it at `/metrics`.
    """
    async with contextlib.AsyncExitStack() as stack:
        if engine is None and spec.stateful:
            engine = create_engine(settings.database.url.get_secret_value(), **spec.engine_options)
            stack.push_async_callback(engine.dispose)
        if engine is not None:
            if settings.database.migrates_on_start():
                await migrate(spec, engine)
            else:
                await require_tables(engine, spec.table_names(), service=spec.name)
        if objects is None and spec.objects:
            objects = await stack.enter_async_context(open_object_store(settings.objects))
        bus = build_bus(settings.bus, transport=transport, tracer=tracer)
        relay = None
        if engine is not None and isinstance(spec.handlers, TxHandlers):
            relay = OutboxRelay(engine, bus, settings.outbox)
        parts = Parts(settings, bus, engine, relay, http, objects)
        deps = await stack.enter_async_context(spec.open(parts, **overrides))
        for detail_type, handler in spec.handlers.bind(deps, Binding(spec.name, bus, engine, relay)).items():
            bus.subscribe(spec.name, [detail_type], handler)
        if (hook := spec.handlers.bind_dead_letter(deps)) is not None:
            bus.on_dead_letter(spec.name, hook)
        app = spec.api(deps, parts) if spec.api is not None else None
        if scrape is not None:
            app = app or FastAPI(title=f"{spec.name} metrics")
            serve_metrics(app, scrape)
        running = Running(spec, settings, deps, bus, engine, relay, app)
        if app is not None:  # its /api/v1/health fails when one of these tasks stops
            app.state.liveness = running.alive
            limit_requests(app, settings.http)
            if spec.handlers.detail_types and hasattr(app.state, "tokens"):  # it consumes; its API has auth
                serve_dead_letters(app, bus.transport, spec.name)
        # Exit runs in reverse: the relay stops, then the consumers, then the service's parts close.
        stack.push_async_callback(bus.close)
        await bus.start()
        if relay is not None:
            running.tasks.append(asyncio.create_task(relay.run(), name=f"outbox:{spec.name}"))
            stack.push_async_callback(_cancel, running.tasks)
        yield running


async def _cancel(tasks: list[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
