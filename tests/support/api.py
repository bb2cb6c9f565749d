"""Checks every operator API shares: who may call what (401 without a valid token, runner 403 on actions)."""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx
from fastapi import FastAPI

from schemaline.runtime.http.auth import TokenTable
from schemaline.runtime.settings import Role
from tests.support.registry import auth_settings, bearer

OPEN = {"/api/v1/health", "/api/v1/ready"}
ACTION_METHODS = {"POST", "PUT", "DELETE", "PATCH"}
UNAUTHENTICATED: tuple[dict[str, str], ...] = (
    {},
    {"Authorization": "Bearer not-a-known-token-at-all"},
    {"Authorization": "Basic eDp5"},
)


def tokens() -> TokenTable:
    return TokenTable(auth_settings().tokens)


def client(app: FastAPI, base_url: str = "http://api") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


def operations(app: FastAPI, sample: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(method, template, concrete path) of every operation in the app's OpenAPI document."""
    found: list[tuple[str, str, str]] = []
    for template, ops in app.openapi()["paths"].items():
        path = re.sub(r"\{(\w+)\}", lambda m: sample[m.group(1)], template)
        found.extend((method.upper(), template, path) for method in sorted(ops))
    return found


async def assert_roles(
    app: FastAPI, sample: Mapping[str, str], actions: Mapping[tuple[str, str], set[Role]]
) -> None:
    """Every operation but the probes wants a valid bearer token; each action admits exactly its roles."""
    async with client(app) as http:
        checked = 0
        for method, template, path in operations(app, sample):
            if template in OPEN:
                continue
            for headers in (
                {},
                {"Authorization": "Bearer not-a-known-token-at-all"},
                {"Authorization": "Basic eDp5"},
            ):
                response = await http.request(method, path, headers=headers, json={})
                assert response.status_code == 401, (method, path, headers, response.text)
                assert response.headers["WWW-Authenticate"] == "Bearer"
                assert response.json()["status"] == 401
            checked += 1
            if method not in ACTION_METHODS:
                for role in Role:
                    response = await http.request(method, path, headers=bearer(role))
                    assert response.status_code not in (401, 403), (role, method, path)
                continue
            allowed = actions[(method, template)]
            for role in Role:
                response = await http.request(method, path, headers=bearer(role), json={})
                if role in allowed:
                    assert response.status_code not in (401, 403), (role, method, path, response.text)
                else:
                    assert response.status_code == 403, (role, method, path, response.text)
                    assert response.json()["message"].startswith(f"role {role.value} may not")
        listed = {(m, t) for m, t, _ in operations(app, sample) if m in ACTION_METHODS}
        assert listed == set(actions), "every action has its roles declared in the test"
        assert Role.RUNNER not in set().union(*actions.values()), "a runner token may not act"
        assert checked >= len(actions)
