"""The shared app factory's limits hold for every service's API, not only the registry's."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter, FastAPI

from schemaline.runtime.http.app import create_api_app, limit_requests
from schemaline.runtime.http.auth import TokenTable
from schemaline.runtime.settings import HttpSettings


def echo_app() -> FastAPI:
    router = APIRouter()

    @router.post("/echo")
    async def echo(body: dict[str, Any]) -> dict[str, int]:
        return {"keys": len(body)}

    return create_api_app(
        title="any", description="any service", tokens=TokenTable([]), routers=[], open_routers=[router]
    )


async def test_a_body_over_the_service_setting_is_413_and_under_it_is_served() -> None:
    app = echo_app()
    limit_requests(app, HttpSettings(max_body_bytes=64 * 1024))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://any") as http:
        small = await http.post("/api/v1/echo", json={"a": "x" * 1000})
        assert small.json() == {"keys": 1}
        big = await http.post("/api/v1/echo", json={"a": "x" * 100_000})
        assert big.status_code == 413
        assert big.json()["message"] == "request body over 65536 bytes"
