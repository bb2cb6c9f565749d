"""The REST API under /api/v1."""

from __future__ import annotations

from fastapi import FastAPI

from schemaline.registry.api import contracts, fetch, health, subjects
from schemaline.registry.api.models import ErrorOut
from schemaline.registry.service import Registry
from schemaline.runtime.http.app import PREFIX, create_api_app
from schemaline.runtime.http.auth import TokenTable


def create_app(registry: Registry, tokens: TokenTable) -> FastAPI:
    return create_api_app(
        title="Schemaline registry",
        description="Subjects, immutable versions, compatibility, proposals and schema contracts.",
        tokens=tokens,
        routers=[fetch.router, subjects.router, contracts.router],
        open_routers=[health.router],
        error_model=ErrorOut,
        state={"registry": registry},
    )


__all__ = ["PREFIX", "create_app"]
