"""Governance's operator API: proposals and the gate, drift cases, violations, the ledger and replay."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.governance.api import decisions, ledger, views
from schemaline.runtime.bus import Publisher
from schemaline.runtime.http.app import create_api_app
from schemaline.runtime.http.auth import TokenTable
from schemaline.runtime.outbox import OutboxRelay


def create_app(
    *, engine: AsyncEngine, relay: OutboxRelay, publisher: Publisher, tokens: TokenTable
) -> FastAPI:
    """The API over governance's database: decisions go out through its outbox (`relay`), replays
    straight through `publisher` (they re-send what the ledger already holds)."""
    return create_api_app(
        title="Schemaline governance",
        description="The publication gate's proposals and decisions, drift cases, violations, "
        "and the hash-chained ledger (verify, replay for incident review).",
        tokens=tokens,
        routers=[views.router, decisions.router, ledger.router],
        state={"engine": engine, "relay": relay, "publisher": publisher},
    )


__all__ = ["create_app"]
