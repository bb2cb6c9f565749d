"""The one way a service builds its HTTP API: /api/v1, open probes, token-guarded routers, JSON errors,
and a server span per request in the caller's trace."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.routing import Mount

from schemaline.runtime.health import task_problems
from schemaline.runtime.http.auth import AUTH_ERRORS, Reader, TokenTable
from schemaline.runtime.http.errors import ErrorOut, install_error_handlers
from schemaline.runtime.http.limits import BodyLimit, RateLimiter
from schemaline.runtime.http.tracing import TraceRequests
from schemaline.runtime.settings import HttpSettings, Role

PREFIX = "/api/v1"


class HealthOut(BaseModel):
    status: Literal["ok", "unavailable"]
    detail: str | None = None


def _liveness() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
    async def health(request: Request) -> HealthOut | JSONResponse:
        """The process is up and every consumer, relay and server task of its service still runs.

        No token needed: probes carry none. A stopped consumer answers 503, so the probe restarts it.
        """
        tasks = getattr(request.app.state, "liveness", None)
        problems = task_problems(tasks()) if tasks is not None else []
        if problems:
            body = HealthOut(status="unavailable", detail="; ".join(problems))
            return JSONResponse(body.model_dump(), status_code=503)
        return HealthOut(status="ok")

    return router


class PrincipalOut(BaseModel):
    name: str = Field(description="Who actions with this token are recorded as")
    role: Role


def _whoami() -> APIRouter:
    router = APIRouter(tags=["auth"])

    @router.get("/whoami", response_model=PrincipalOut)
    async def whoami(principal: Reader) -> PrincipalOut:
        """The caller's token's principal: what a front end shows, and which actions it offers."""
        return PrincipalOut(name=principal.name, role=principal.role)

    return router


def create_api_app(
    *,
    title: str,
    description: str,
    tokens: TokenTable,
    routers: Iterable[APIRouter],
    open_routers: Iterable[APIRouter] = (),
    error_model: type[ErrorOut] = ErrorOut,
    state: dict[str, Any] | None = None,
) -> FastAPI:
    """An app serving `routers` under /api/v1 behind the token table; `open_routers` need no token.

    `state` lands on `app.state` for the routers' dependencies to read (engine, stores, clients).
    """
    app = FastAPI(title=title, version="1", description=description)
    app.state.tokens = tokens
    limit_requests(app, HttpSettings())
    for name, value in (state or {}).items():
        setattr(app.state, name, value)
    api = APIRouter(prefix=PREFIX)
    api.include_router(_liveness())
    for router in open_routers:
        api.include_router(router)
    for router in (_whoami(), *routers):
        api.include_router(router, responses=AUTH_ERRORS)
    app.include_router(api)
    install_error_handlers(app, error_model)
    app.add_middleware(BodyLimit)
    app.add_middleware(TraceRequests)  # a server span per request, in the caller's trace
    return app


def limit_requests(app: FastAPI, settings: HttpSettings, limiter: RateLimiter | None = None) -> None:
    """The body limit and the per-token rate of expensive routes, from the service's settings.

    APIs mounted in `app` (the registry's Confluent API) get the same limits and share the rate
    limiter: a token's share is one, whichever API it spends it on.
    """
    limiter = limiter or RateLimiter(settings.rate_per_s, settings.burst)
    app.state.max_body_bytes = settings.max_body_bytes
    app.state.rate_limiter = limiter
    for route in app.routes:
        if isinstance(route, Mount) and isinstance(route.app, FastAPI):
            limit_requests(route.app, settings, limiter)
