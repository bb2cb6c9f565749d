"""Version numbers follow compatibility whatever the subject's level: a breaking change is a new
major even where the level lets it through, so `^1` never resolves to a schema that cannot read
v1.0 data."""

from __future__ import annotations

from schemaline.runtime.settings import Role
from tests.support.registry import SUBJECT, Harness, bearer, invoice

READ = bearer(Role.RUNNER)


async def _level(registry: Harness, level: str) -> None:
    response = await registry.client.put(
        f"/api/v1/subjects/{SUBJECT}/config", json={"level": level}, headers=bearer(Role.PUBLISHER)
    )
    assert response.status_code == 200, response.text


async def _resolve(registry: Harness, selector: str) -> str:
    response = await registry.client.get(
        "/api/v1/schema/fetch", params={"fqid": f"{SUBJECT}:{selector}"}, headers=READ
    )
    assert response.status_code == 200, response.text
    return str(response.json()["fqid"])


async def test_under_none_a_breaking_change_is_a_new_major(registry: Harness) -> None:
    await _level(registry, "NONE")
    assert await registry.publish(invoice()) == f"{SUBJECT}:v1.0"
    assert await registry.publish(invoice(note="string")) == f"{SUBJECT}:v1.1"  # compatible: minor
    assert await registry.publish(invoice("amount", note="string")) == f"{SUBJECT}:v2.0"  # required: breaks
    assert await _resolve(registry, "^1") == f"{SUBJECT}:v1.1"


async def test_under_backward_a_change_v1_0_cannot_meet_is_a_new_major(registry: Harness) -> None:
    """BACKWARD compares with the latest only; the number looks at the whole v1 line."""
    response = await registry.client.put(
        f"/api/v1/subjects/{SUBJECT}/config",
        json={"level": "BACKWARD", "policy": "lenient"},
        headers=bearer(Role.PUBLISHER),
    )
    assert response.status_code == 200, response.text
    assert await registry.publish(invoice()) == f"{SUBJECT}:v1.0"  # amount: number
    without_amount = invoice()
    del without_amount["properties"]["amount"]
    assert await registry.publish(without_amount) == f"{SUBJECT}:v1.1"  # open model: reads v1.0
    # Reads v1.1 data (lenient: an open model's undescribed property may be described), but not
    # v1.0's, whose amounts are numbers.
    assert await registry.publish(invoice(amount="string")) == f"{SUBJECT}:v2.0"
    assert await _resolve(registry, "^1") == f"{SUBJECT}:v1.1"
