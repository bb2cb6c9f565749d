"""Liveness and readiness (no token needed: probes carry none)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from schemaline.registry.api.models import HealthOut
from schemaline.registry.api.params import RegistryDep

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut)
async def health() -> HealthOut:
    """The process is up."""
    return HealthOut(status="ok")


@router.get("/ready", response_model=HealthOut, responses={503: {"model": HealthOut}})
async def ready(registry: RegistryDep) -> HealthOut | JSONResponse:
    """The database answers."""
    try:
        await registry.repo.ping()
    except Exception as exc:
        body = HealthOut(status="unavailable", detail=f"database: {type(exc).__name__}")
        return JSONResponse(body.model_dump(), status_code=503)
    return HealthOut(status="ok")
