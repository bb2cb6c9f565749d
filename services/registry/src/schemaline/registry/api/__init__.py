"""The REST API under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from schemaline.registry.api import contracts, fetch, health, subjects
from schemaline.registry.api.confluent import PREFIX as CONFLUENT_PREFIX
from schemaline.registry.api.confluent import create_confluent_app
from schemaline.registry.api.errors import install_error_handlers
from schemaline.registry.api.roles import AUTH_ERRORS
from schemaline.registry.auth import TokenTable
from schemaline.registry.service import Registry

PREFIX = "/api/v1"


def create_app(registry: Registry, tokens: TokenTable, *, gate_wait_s: float = 5.0) -> FastAPI:
    app = FastAPI(
        title="Schemaline registry",
        version="1",
        description="Subjects, immutable versions, compatibility, proposals and schema contracts.",
    )
    app.state.registry = registry
    app.state.tokens = tokens
    api = APIRouter(prefix=PREFIX)
    api.include_router(health.router)
    for module in (fetch, subjects, contracts):
        api.include_router(module.router, responses=AUTH_ERRORS)
    app.include_router(api)
    app.mount(CONFLUENT_PREFIX, create_confluent_app(registry, tokens, gate_wait_s=gate_wait_s))
    install_error_handlers(app)
    return app


__all__ = ["PREFIX", "create_app"]
