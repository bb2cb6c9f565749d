"""The Confluent Schema Registry API (schemaType JSON), mounted under `/confluent`.

Its own ASGI app, so that its error bodies (`{"error_code", "message"}`) and its OpenAPI
document (`/confluent/openapi.json`) stay apart from `/api/v1`'s. See docs/registry.md.
"""

from __future__ import annotations

from fastapi import FastAPI

from schemaline.registry.api.confluent import compatibility, config, errors, schemas, subjects
from schemaline.registry.service import Registry
from schemaline.runtime.http.auth import TokenTable

PREFIX = "/confluent"


def create_confluent_app(registry: Registry, tokens: TokenTable, *, gate_wait_s: float) -> FastAPI:
    app = FastAPI(
        title="Schemaline registry: Confluent-compatible API",
        version="1",
        description="Confluent Schema Registry's REST API for JSON Schema, over Schemaline's model.",
    )
    app.state.registry = registry
    app.state.tokens = tokens
    app.state.gate_wait_s = gate_wait_s

    @app.get("/", include_in_schema=False)
    async def root() -> dict[str, str]:
        return {}

    for module in (subjects, schemas, config, compatibility):
        app.include_router(module.router)
    errors.install(app)
    return app


__all__ = ["PREFIX", "create_confluent_app"]
