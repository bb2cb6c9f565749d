"""Bearer tokens and roles: runners read only, no token is 401, every write needs its role."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from schemaline.runtime.settings import Role
from tests.support.registry import Harness, bearer, running_registry

SAMPLE = {
    "subject": "finance.gdp.invoice",
    "version": "v1.0",
    "pipeline_id": "finance_gdp_transform",
    "layer": "gdp",
    "proposal_id": "p-1",
    "message_id": "m-1",
}
OPEN = {"/api/v1/health", "/api/v1/ready"}
READ_ONLY_POSTS = {"/api/v1/subjects/{subject}/compatibility"}  # a dry run writes nothing
WRITE_METHODS = {"POST", "PUT", "DELETE", "PATCH"}


@pytest.fixture
async def registry(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_registry(f"sqlite+aiosqlite:///{tmp_path}/roles.db") as harness:
        yield harness


def endpoints(registry: Harness) -> list[tuple[str, str, str]]:
    """(method, template, concrete path) of every operation in the OpenAPI document."""
    found: list[tuple[str, str, str]] = []
    for template, operations in registry.service.app.openapi()["paths"].items():
        path = re.sub(r"\{(\w+)\}", lambda m: SAMPLE[m.group(1)], template)
        found.extend((method.upper(), template, path) for method in sorted(operations))
    return found


def writes(registry: Harness) -> list[tuple[str, str, str]]:
    return [e for e in endpoints(registry) if e[0] in WRITE_METHODS and e[1] not in READ_ONLY_POSTS]


async def test_every_endpoint_but_probes_needs_a_token(registry: Harness) -> None:
    checked = 0
    for method, template, path in endpoints(registry):
        if template in OPEN:
            continue
        for headers in (
            {},
            {"Authorization": "Bearer not-a-known-token-at-all"},
            {"Authorization": "Basic eDp5"},
        ):
            response = await registry.client.request(method, path, headers=headers, json={})
            assert response.status_code == 401, (method, path, headers, response.text)
            assert response.headers["WWW-Authenticate"] == "Bearer"
        checked += 1
    assert checked >= 15


async def test_runner_gets_403_on_every_write(registry: Harness) -> None:
    operations = writes(registry)
    assert len(operations) == 6
    for method, _template, path in operations:
        response = await registry.client.request(method, path, headers=bearer(Role.RUNNER), json={})
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["message"].startswith("role runner may not")


async def test_each_write_admits_exactly_its_roles(registry: Harness) -> None:
    allowed = {
        ("POST", "/api/v1/subjects/{subject}/versions"): {Role.PUBLISHER},
        ("PUT", "/api/v1/subjects/{subject}/config"): {Role.PUBLISHER},
        ("PUT", "/api/v1/contracts/{pipeline_id}/{layer}"): {Role.PUBLISHER},
        ("DELETE", "/api/v1/contracts/{pipeline_id}/{layer}"): {Role.PUBLISHER},
        ("PUT", "/api/v1/subjects/{subject}/versions/{version}/deprecated"): {Role.APPROVER},
        ("POST", "/api/v1/dlq/redrive"): {Role.PUBLISHER},  # an operator action on its own queue
    }
    assert {(m, t) for m, t, _ in writes(registry)} == set(allowed)
    for method, template, path in writes(registry):
        for role in Role:
            response = await registry.client.request(method, path, headers=bearer(role), json={})
            if role in allowed[(method, template)]:
                assert response.status_code not in (401, 403), (role, method, path)
            else:
                assert response.status_code == 403, (role, method, path)


async def test_every_role_reads(registry: Harness) -> None:
    for role in Role:
        response = await registry.client.get("/api/v1/subjects", headers=bearer(role))
        assert response.status_code == 200
