"""Sign in with a token (checked by the services, who also say whose it is), sign out."""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

from schemaline.console.session import COOKIE, LOGIN_COOKIE, nonce
from schemaline.console.web import Action, console, read_form, render, see_other
from schemaline.runtime.settings import Role
from schemaline.sdk.operators import ServiceError

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a path on this console: a login form must not send anyone to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/"
    return target


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=console(request).secure_cookie,
    )


@router.get("/login")
async def login_form(request: Request, next: str | None = None) -> Response:
    login_nonce = nonce()
    response = render(request, "login.html", None, next=_safe_next(next), login_nonce=login_nonce, error=None)
    _cookie(response, request, LOGIN_COOKIE, login_nonce, 600)
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    form = await read_form(request)
    target = _safe_next(form.get("next"))
    presented, expected = form.get("nonce", ""), request.cookies.get(LOGIN_COOKIE, "")
    error = None
    if not expected or not hmac.compare_digest(presented, expected):
        error = "The sign-in form expired: try again."
    token = form.get("token", "").strip()
    if error is None and not token:
        error = "Paste your Schemaline token."
    me: dict[str, object] = {}
    if error is None:
        async with console(request).upstreams.governance(token) as governance:
            try:
                me = await governance.whoami()
            except ServiceError as exc:
                if exc.status != 401:
                    raise
                error = "That token is not known to the services."
    if error is not None:
        login_nonce = nonce()
        page = render(
            request, "login.html", None, status_code=401, next=target, login_nonce=login_nonce, error=error
        )
        _cookie(page, request, LOGIN_COOKIE, login_nonce, 600)
        return page
    state = console(request)
    cookie = state.sessions.seal(token, str(me["name"]), Role(str(me["role"])))
    response = see_other(target)
    _cookie(response, request, COOKIE, cookie, state.sessions.max_age_s)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(request: Request, action: Action) -> Response:
    response = see_other("/login")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/")
async def index() -> Response:
    return see_other("/health")
