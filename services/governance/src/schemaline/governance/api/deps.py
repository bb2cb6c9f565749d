"""What the governance routes read from the app: its engine, its outbox relay and its publisher."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.runtime.bus import Publisher
from schemaline.runtime.outbox import OutboxRelay


def _engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine


def _relay(request: Request) -> OutboxRelay:
    relay: OutboxRelay = request.app.state.relay
    return relay


def _publisher(request: Request) -> Publisher:
    publisher: Publisher = request.app.state.publisher
    return publisher


EngineDep = Annotated[AsyncEngine, Depends(_engine)]
PublisherDep = Annotated[Publisher, Depends(_publisher)]
RelayDep = Annotated[OutboxRelay, Depends(_relay)]
