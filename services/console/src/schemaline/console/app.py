"""The console's web app: its pages, static files, security headers, and errors shown as pages."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schemaline.console.pages import approvals, auth, drift, health, lineage, runs
from schemaline.console.session import COOKIE
from schemaline.console.web import (
    SECURITY_HEADERS,
    BadFormError,
    Console,
    LoginRequiredError,
    console,
    login_redirect,
    render,
)
from schemaline.runtime.http.limits import BodyLimit
from schemaline.sdk.operators import ServiceError, ServiceUnreachableError
from schemaline.sdk.registry_api import RegistryApiError
from schemaline.sdk.resolver.errors import RegistryRequestError, SchemaFetchError, SchemaNotFoundError


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response (pages, redirects, static files and errors alike)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def templates() -> Environment:
    env = Environment(
        loader=PackageLoader("schemaline.console", "templates"),
        autoescape=True,  # every value is escaped, in HTML and in the inline SVG alike
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["short"] = lambda value: str(value)[:8] if value else ""
    env.filters["when"] = lambda value: str(value)[:19].replace("T", " ") if value else ""
    return env


def _error(request: Request, status: int, title: str, message: str) -> Response:
    operator = console(request).sessions.open(request.cookies.get(COOKIE))
    return render(request, "error.html", operator, status_code=status, title=title, message=message)


def _install_errors(app: FastAPI) -> None:
    async def login_required(request: Request, _exc: Exception) -> Response:
        return login_redirect(request)

    async def bad_form(request: Request, exc: Exception) -> Response:
        return _error(request, 400, "That form could not be used", str(exc))

    async def service_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceError)
        if exc.status == 401:
            return login_redirect(request)
        tag = f" [{exc.code}]" if exc.code else ""
        # A service's 5xx is the console's bad gateway; its 4xx are the operator's to read.
        status = exc.status if exc.status < 500 else 502
        return _error(request, status, f"The {exc.service} said no", f"{exc.message}{tag}")

    async def registry_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RegistryApiError | RegistryRequestError)
        if exc.status == 401:
            return login_redirect(request)
        return _error(request, exc.status if exc.status < 500 else 502, "The registry said no", str(exc))

    async def unreachable(request: Request, exc: Exception) -> Response:
        return _error(request, 503, "A service is unreachable", str(exc))

    async def not_found(request: Request, exc: Exception) -> Response:
        return _error(request, 404, "Not found", str(exc))

    app.add_exception_handler(LoginRequiredError, login_required)
    app.add_exception_handler(BadFormError, bad_form)
    app.add_exception_handler(ServiceError, service_error)
    app.add_exception_handler(RegistryApiError, registry_error)
    app.add_exception_handler(RegistryRequestError, registry_error)
    app.add_exception_handler(ServiceUnreachableError, unreachable)
    app.add_exception_handler(SchemaFetchError, unreachable)
    app.add_exception_handler(SchemaNotFoundError, not_found)


def create_app(state: Console) -> FastAPI:
    # No OpenAPI document or docs pages: the console serves pages; the services serve the APIs.
    app = FastAPI(title="Schemaline console", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.console = state
    for area in (auth, runs, lineage, drift, approvals, health):
        app.include_router(area.router)

    @app.get("/api/v1/health")
    async def liveness() -> dict[str, Any]:
        """The process is up (no token: probes carry none)."""
        return {"status": "ok"}

    static = resources.files("schemaline.console") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    _install_errors(app)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit)  # forms are small: nothing big may tie up the process
    return app
