"""No request can stall the registry or fail it: body, schema and rate limits, checks off the loop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from schemaline.runtime.http.app import limit_requests
from schemaline.runtime.http.limits import RateLimiter
from schemaline.runtime.settings import HttpSettings, Role
from schemaline.sdk.compat import check
from tests.support.registry import SUBJECT, Harness, bearer, invoice, running_registry

VERSIONS = f"/api/v1/subjects/{SUBJECT}/versions"
COMPATIBILITY = f"/api/v1/subjects/{SUBJECT}/compatibility"


def nested(depth: int) -> dict[str, Any]:
    """An object schema whose property `a` nests `depth` objects deep."""
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(depth):
        schema = {"type": "object", "properties": {"a": schema}}
    return schema


@pytest.fixture
async def sqlite_registry(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_registry(f"sqlite+aiosqlite:///{tmp_path}/registry.db", checker=check) as harness:
        yield harness


@pytest.mark.parametrize("path", [VERSIONS, COMPATIBILITY])
async def test_a_150_deep_schema_is_a_422_with_a_pointer(sqlite_registry: Harness, path: str) -> None:
    response = await sqlite_registry.client.post(
        path, json={"schema": nested(150)}, headers=bearer(Role.PUBLISHER)
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert "nested more than 64 levels deep" in body["message"]
    assert body["pointer"].startswith("/properties/a/properties/a/")


async def test_a_schema_that_is_zero_is_refused(sqlite_registry: Harness) -> None:
    for path in (VERSIONS, COMPATIBILITY):
        response = await sqlite_registry.client.post(path, json={"schema": 0}, headers=bearer(Role.PUBLISHER))
        assert response.status_code == 422, (path, response.text)
        assert response.json()["pointer"].startswith("/body/schema")


async def test_a_body_over_the_limit_is_a_413_declared_or_streamed(sqlite_registry: Harness) -> None:
    big = b'{"schema": {"description": "' + b"x" * (5 * 1024 * 1024) + b'"}}'
    headers = {**bearer(Role.PUBLISHER), "Content-Type": "application/json"}
    declared = await sqlite_registry.client.post(VERSIONS, content=big, headers=headers)
    assert declared.status_code == 413
    assert declared.json()["message"] == f"request body over {4 * 1024 * 1024} bytes"

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    streamed = await sqlite_registry.client.post(VERSIONS, content=chunks(), headers=headers)
    assert streamed.status_code == 413


async def test_a_token_beyond_its_share_gets_429_with_retry_after(sqlite_registry: Harness) -> None:
    sqlite_registry.service.app.state.rate_limiter = RateLimiter(rate_per_s=0.5, burst=3)
    statuses = []
    for _ in range(4):
        response = await sqlite_registry.client.post(
            COMPATIBILITY, json={"schema": invoice()}, headers=bearer(Role.RUNNER)
        )
        statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 429]
    assert response.headers["Retry-After"] == "2"
    # Another token has its own share; cheap routes are not limited.
    other = await sqlite_registry.client.post(
        COMPATIBILITY, json={"schema": invoice()}, headers=bearer(Role.PUBLISHER)
    )
    assert other.status_code == 200
    assert (
        await sqlite_registry.client.get("/api/v1/subjects", headers=bearer(Role.RUNNER))
    ).status_code == 200


def test_the_rate_limiter_refills_and_forgets_old_callers() -> None:
    limiter = RateLimiter(rate_per_s=2, burst=2, max_callers=2)
    assert [limiter.take("a", now=0.0) for _ in range(3)] == [None, None, 0.5]
    assert limiter.take("a", now=0.5) is None
    limiter.take("b", now=0.5)
    limiter.take("c", now=0.5)
    assert limiter.take("a", now=0.5) is None, "a was forgotten: a fresh bucket"


# ---- a heavy request in flight, /health still answers -----------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def served(harness: Harness) -> AsyncIterator[str]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(harness.service.app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn only sets a flag
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.mark.slow
async def test_health_answers_within_a_second_while_a_3_mb_schema_is_checked(
    sqlite_registry: Harness,
) -> None:
    wide = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {f"field_{n}": {"type": "string", "description": "x" * 100} for n in range(20_000)},
    }
    async with served(sqlite_registry) as url, httpx.AsyncClient(base_url=url, timeout=120) as http:
        heavy = asyncio.create_task(
            http.post(COMPATIBILITY, json={"schema": wide}, headers=bearer(Role.RUNNER))
        )
        await asyncio.sleep(1.0)  # the body is in; the check has started
        assert not heavy.done()
        waits = []
        for _ in range(5):
            started = time.perf_counter()
            health = await http.get("/api/v1/health")
            waits.append(time.perf_counter() - started)
            assert health.status_code == 200
            await asyncio.sleep(0.1)
        assert not heavy.done(), "the health checks ran while the heavy request was in flight"
        assert max(waits) < 1.0, waits
        assert (await heavy).status_code == 200


CONFLUENT_ROUTES = [
    f"/confluent/subjects/{SUBJECT}/versions",
    f"/confluent/subjects/{SUBJECT}",
    f"/confluent/compatibility/subjects/{SUBJECT}/versions",
    f"/confluent/compatibility/subjects/{SUBJECT}/versions/latest",
]


@pytest.mark.parametrize("path", CONFLUENT_ROUTES)
async def test_the_confluent_api_refuses_a_150_deep_schema_and_a_big_body(
    sqlite_registry: Harness, path: str
) -> None:
    deep = await sqlite_registry.client.post(
        path, json={"schema": json.dumps(nested(150)), "schemaType": "JSON"}, headers=bearer(Role.PUBLISHER)
    )
    assert deep.status_code == 422, deep.text
    assert "nested more than 64 levels deep" in deep.json()["message"]
    big = json.dumps({"schema": json.dumps({"description": "x" * (10 * 1024 * 1024)})}).encode()
    headers = {**bearer(Role.PUBLISHER), "Content-Type": "application/json"}
    assert (await sqlite_registry.client.post(path, content=big, headers=headers)).status_code == 413


async def test_a_token_shares_one_rate_across_the_registry_and_the_confluent_api(
    sqlite_registry: Harness,
) -> None:
    limit_requests(sqlite_registry.service.app, HttpSettings(rate_per_s=0.5, burst=3))
    schema = {"schema": json.dumps(invoice()), "schemaType": "JSON"}
    statuses = []
    for path in CONFLUENT_ROUTES[1:]:  # lookups and checks: a runner token may ask them
        response = await sqlite_registry.client.post(path, json=schema, headers=bearer(Role.RUNNER))
        statuses.append(response.status_code)
    spent = await sqlite_registry.client.post(
        COMPATIBILITY, json={"schema": invoice()}, headers=bearer(Role.RUNNER)
    )
    assert spent.status_code == 429, "three spent on the Confluent API: none left on /api/v1"
    assert 429 not in statuses, statuses
    again = await sqlite_registry.client.post(CONFLUENT_ROUTES[1], json=schema, headers=bearer(Role.RUNNER))
    assert again.status_code == 429
    assert again.json()["error_code"] == 42901
    assert again.headers["Retry-After"] == "2"
    # Cheap reads are not limited.
    listed = await sqlite_registry.client.get("/confluent/subjects", headers=bearer(Role.RUNNER))
    assert listed.status_code == 200
