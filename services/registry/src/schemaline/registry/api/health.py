"""Readiness (no token needed: probes carry none); liveness is the shared /health."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from schemaline.registry.api.params import RegistryDep
from schemaline.runtime.http.app import HealthOut

router = APIRouter(tags=["health"])


@router.get("/ready", response_model=HealthOut, responses={503: {"model": HealthOut}})
async def ready(registry: RegistryDep) -> HealthOut | JSONResponse:
    """The database answers."""
    try:
        await registry.repo.ping()
    except Exception as exc:
        body = HealthOut(status="unavailable", detail=f"database: {type(exc).__name__}")
        return JSONResponse(body.model_dump(), status_code=503)
    return HealthOut(status="ok")
