"""The console as a service: no tables, no handlers; its parts are the clients of the services' APIs."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import structlog
from fastapi import FastAPI

from schemaline.console.app import create_app, templates
from schemaline.console.session import Sessions
from schemaline.console.settings import SERVICE, ConsoleSettings
from schemaline.console.upstream import Upstreams
from schemaline.console.web import Console
from schemaline.runtime.handling import Handlers
from schemaline.runtime.service import Parts, ServiceSpec

log = structlog.get_logger("schemaline.console")


@dataclass(frozen=True)
class Deps:
    upstreams: Upstreams


# It consumes no event: everything it shows, it asks the services' APIs for.
HANDLERS = Handlers[Deps]()


@contextlib.asynccontextmanager
async def open_deps(parts: Parts[ConsoleSettings]) -> AsyncIterator[Deps]:
    """One connection pool to the services, or the embedded stack's in-process transport (`parts.http`)."""
    async with contextlib.AsyncExitStack() as stack:
        transport = parts.http
        if transport is None:
            pool = httpx.AsyncHTTPTransport(
                limits=httpx.Limits(max_connections=50, max_keepalive_connections=20)
            )
            stack.push_async_callback(pool.aclose)
            transport = pool
        yield Deps(Upstreams(parts.settings.apis, transport))


def api(deps: Deps, parts: Parts[ConsoleSettings]) -> FastAPI:
    settings = parts.settings
    if settings.session.secret is None:
        log.info("no session secret set: a random one signs this process's sessions")
        secret = secrets.token_bytes(32)
    else:
        secret = settings.session.secret.get_secret_value().encode()
    return create_app(
        Console(
            upstreams=deps.upstreams,
            sessions=Sessions(secret, settings.session.max_age_s),
            templates=templates(),
            page_size=settings.page_size,
            secure_cookie=settings.session.secure_cookie,
        )
    )


SPEC = ServiceSpec(name=SERVICE, settings=ConsoleSettings, handlers=HANDLERS, open=open_deps, api=api)
