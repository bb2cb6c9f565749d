"""Composition root: build the governance service from its settings."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.governance.handlers import Deps, handlers
from schemaline.governance.outbox import Outbox
from schemaline.governance.settings import GovernanceSettings
from schemaline.governance.store import create_schema
from schemaline.runtime.bus import EventBus, build_bus
from schemaline.runtime.db import create_engine
from schemaline.runtime.service import Service


def bootstrap(
    settings: GovernanceSettings,
    *,
    bus: EventBus | None = None,
    engine: AsyncEngine | None = None,
) -> Service:
    engine = engine or create_engine(settings.database.url.get_secret_value())
    bus = bus or build_bus(settings.bus)
    outbox = Outbox(engine, bus)
    service = Service(settings.service_name, bus, handlers(Deps(engine, outbox)))

    async def open_store() -> None:
        await create_schema(engine)

    async def resend_staged() -> None:
        await outbox.flush()

    async def close_engine() -> None:
        await engine.dispose()

    service.startup.extend([open_store, bus.connect, resend_staged])
    service.shutdown.append(close_engine)
    return service
