"""What every page shares: the console's state, who is asking, forms with CSRF, rendering, errors."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qs, quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment

from schemaline.console.session import COOKIE, Operator, Sessions
from schemaline.console.upstream import Upstreams
from schemaline.runtime.settings import Role
from schemaline.sdk.operators import ServiceError

MAX_FORM_BYTES = 64 * 1024
# Pages load nothing from elsewhere and run no script: a policy that says so stops injected markup.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class Console:
    upstreams: Upstreams
    sessions: Sessions
    templates: Environment
    page_size: int
    secure_cookie: bool


class LoginRequiredError(Exception):
    """No valid session or bearer token: the page sends the browser to the login form."""


class BadFormError(Exception):
    """A form that is too big, not a form, or whose CSRF token does not match the session."""


def console(request: Request) -> Console:
    state: Console = request.app.state.console
    return state


async def _operator(request: Request) -> Operator:
    state = console(request)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer ") and header[7:].strip():
        token = header[7:].strip()
        async with state.upstreams.governance(token) as governance:
            try:
                me = await governance.whoami()
            except ServiceError as exc:
                if exc.status == 401:
                    raise LoginRequiredError from None
                raise
        return Operator(token=token, name=str(me["name"]), role=Role(me["role"]))
    operator = state.sessions.open(request.cookies.get(COOKIE))
    if operator is None:
        raise LoginRequiredError
    return operator


Viewer = Annotated[Operator, Depends(_operator)]


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded form (the only kind the pages send), first value of each field."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise BadFormError("expected a form")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise BadFormError("form too large")
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


async def acting(request: Request, operator: Viewer) -> tuple[Operator, dict[str, str]]:
    """An action's operator and form, once its CSRF token matched the session's."""
    form = await read_form(request)
    if not console(request).sessions.csrf_ok(operator, form.get("csrf", "")):
        raise BadFormError("the form's CSRF token does not match your session: reload the page and retry")
    return operator, form


Action = Annotated[tuple[Operator, dict[str, str]], Depends(acting)]


def render(
    request: Request, template: str, operator: Operator | None, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    state = console(request)
    csrf = state.sessions.csrf(operator) if operator is not None else ""
    html = state.templates.get_template(template).render(
        operator=operator, csrf=csrf, path=request.url.path, **context
    )
    return HTMLResponse(html, status_code=status_code)


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = see_other(f"/login?next={quote(target, safe='')}")
    response.delete_cookie(COOKIE, path="/")
    return response


@dataclass(frozen=True)
class Page:
    """Which slice of a list a page shows: `number` is 1-based."""

    number: int
    size: int
    total: int = 0

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def count(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    def of(self, total: int) -> Page:
        return Page(self.number, self.size, total)


def page_of(request: Request) -> Page:
    try:
        number = max(1, min(int(request.query_params.get("page", "1")), 1_000_000))
    except ValueError:
        number = 1
    return Page(number, console(request).page_size)


def page_link(request: Request, number: int) -> str:
    """The current page's URL with another page number (filters kept)."""
    url = request.url.include_query_params(page=number)
    return f"{url.path}?{url.query}"
