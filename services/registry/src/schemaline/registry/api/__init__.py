"""The REST API under /api/v1, and the Confluent-compatible one under /confluent."""

from __future__ import annotations

from fastapi import FastAPI

from schemaline.registry.api import contracts, fetch, health, subjects
from schemaline.registry.api.confluent import PREFIX as CONFLUENT_PREFIX
from schemaline.registry.api.confluent import create_confluent_app
from schemaline.registry.api.models import ErrorOut
from schemaline.registry.service import Registry
from schemaline.runtime.http.app import PREFIX, create_api_app
from schemaline.runtime.http.auth import TokenTable


def create_app(registry: Registry, tokens: TokenTable, *, gate_wait_s: float = 5.0) -> FastAPI:
    app = create_api_app(
        title="Schemaline registry",
        description="Subjects, immutable versions, compatibility, proposals and schema contracts.",
        tokens=tokens,
        routers=[fetch.router, subjects.router, contracts.router],
        open_routers=[health.router],
        error_model=ErrorOut,
        state={"registry": registry},
    )
    # Its own app: Confluent's error bodies and OpenAPI document, on the same port (decision 32).
    app.mount(CONFLUENT_PREFIX, create_confluent_app(registry, tokens, gate_wait_s=gate_wait_s))
    return app


__all__ = ["PREFIX", "create_app"]
