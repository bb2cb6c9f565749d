"""The registry with the real compatibility engine: the API's verdict is the engine's (the CLI's) verdict."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from schemaline.runtime.settings import Role
from schemaline.sdk import compat
from tests.support.registry import SUBJECT, Harness, bearer, running_registry

PROPERTIES: dict[str, Any] = {"id": {"type": "string"}, "amount": {"type": "number"}}
BASE: dict[str, Any] = {
    "type": "object",
    "properties": PROPERTIES,
    "required": ["id"],
    "additionalProperties": False,
}


@pytest.fixture
async def registry(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_registry(f"sqlite+aiosqlite:///{tmp_path}/engine.db", checker=compat.check) as harness:
        yield harness


def changes_of(verdict: compat.Verdict) -> list[dict[str, Any]]:
    return [
        {
            "type": c.type,
            "path": c.path,
            "keyword": c.keyword,
            "compatible": c.compatible,
            "message": c.message,
            "suggestion": c.suggestion,
        }
        for c in verdict.changes
    ]


async def test_dry_run_gives_the_engines_verdict(registry: Harness) -> None:
    await registry.publish(BASE)
    for candidate in (
        BASE | {"properties": {**PROPERTIES, "note": {"type": "string"}}},
        BASE | {"required": ["id", "amount"]},
        BASE | {"properties": {"id": {"type": "integer"}, "amount": {"type": "number"}}},
    ):
        response = await registry.client.post(
            f"/api/v1/subjects/{SUBJECT}/compatibility",
            json={"schema": candidate},
            headers=bearer(Role.RUNNER),
        )
        assert response.status_code == 200, response.text
        expected = compat.check(candidate, [BASE], compat.Level.BACKWARD, compat.Policy.STRICT)
        body = response.json()
        assert (body["compatible"], body["semver"]) == (expected.compatible, expected.semver)
        assert body["changes"] == changes_of(expected)


async def test_incompatible_proposal_carries_the_engines_changes(registry: Harness) -> None:
    await registry.publish(BASE)
    breaking = BASE | {"required": ["id", "amount"]}
    response = await registry.propose(breaking)
    expected = compat.check(breaking, [BASE], compat.Level.BACKWARD, compat.Policy.STRICT)
    assert not expected.compatible
    assert response.status_code == 409
    assert response.json()["code"] == "PIPE-1103"
    assert response.json()["changes"] == changes_of(expected)
    assert any(change["suggestion"] for change in response.json()["changes"])


async def test_a_minor_change_is_published_as_the_next_minor(registry: Harness) -> None:
    await registry.publish(BASE)
    widened = BASE | {"properties": {**PROPERTIES, "note": {"type": "string"}}}
    assert await registry.publish(widened) == f"{SUBJECT}:v1.1"
