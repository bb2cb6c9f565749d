"""The Confluent API's mapping onto Schemaline's model, its error codes, modes, deletion and references.

The clients themselves are exercised in test_confluent_clients.py; here the requests are plain HTTP
so each Confluent error code and each path through governance can be asserted.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from schemaline.contracts import Envelope, SchemaApproved, SchemaProposed, SchemaPublished, new_envelope
from schemaline.registry.settings import ConfluentSettings
from schemaline.runtime.settings import Role
from schemaline.sdk import compat
from tests.support.aio import eventually
from tests.support.registry import SUBJECT, TOKENS, Harness, bearer, invoice, running_registry

ORDERS = "finance.raw.orders"


def order(*required: str, **types: str) -> dict[str, Any]:
    """A closed invoice model: under the strict policy an optional property may be added to it."""
    return {**invoice(*required, **types), "additionalProperties": False}


CONTRACT = {
    "pipeline_id": "finance_gdp_transform",
    "layer": "gdp",
    "component": "glue",
    "schema_selector": f"{SUBJECT}:^1",
    "integration_mode": "pre_job",
    "validation_timing": "structural",
}


@pytest.fixture
async def registry(database_url: str) -> AsyncIterator[Harness]:
    # A short wait for the gate, so the "still pending" answer comes quickly.
    confluent = ConfluentSettings(gate_wait_s=0.3)
    async with running_registry(database_url, checker=compat.check, confluent=confluent) as harness:
        yield harness


def _basic(role: Role) -> httpx.BasicAuth:
    return httpx.BasicAuth(f"{role.value}-bot", TOKENS[role])


def _body(schema: Any, **extra: Any) -> dict[str, Any]:
    return {"schema": json.dumps(schema), "schemaType": "JSON", **extra}


async def _call(
    registry: Harness, method: str, path: str, role: Role = Role.PUBLISHER, **kwargs: Any
) -> httpx.Response:
    return await registry.client.request(method, f"/confluent{path}", auth=_basic(role), **kwargs)


async def _register(registry: Harness, subject: object, schema: Any, **extra: Any) -> httpx.Response:
    return await _call(registry, "POST", f"/subjects/{subject}/versions", json=_body(schema, **extra))


def _error(response: httpx.Response, status: int, code: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error_code", "message"}
    assert body["error_code"] == code, body
    message: str = body["message"]
    return message


async def test_confluent_error_codes(registry: Harness) -> None:
    assert (await _register(registry, ORDERS, order())).status_code == 200
    _error(await _call(registry, "GET", "/subjects/finance.raw.nothing/versions"), 404, 40401)
    _error(await _call(registry, "GET", "/subjects/topic-value/versions"), 404, 40401)  # not a subject here
    _error(await _call(registry, "GET", f"/subjects/{ORDERS}/versions/7"), 404, 40402)
    _error(await _call(registry, "GET", f"/subjects/{ORDERS}/versions/seven"), 422, 42202)
    _error(await _call(registry, "GET", "/schemas/ids/999"), 404, 40403)
    body = _body({"type": "object"})
    _error(await _call(registry, "POST", f"/subjects/{ORDERS}", json=body), 404, 40403)
    _error(await _register(registry, ORDERS, {"type": 12}), 422, 42201)
    _error(await _call(registry, "POST", f"/subjects/{ORDERS}/versions", json={"schema": "{}"}), 422, 42201)
    _error(await _call(registry, "POST", f"/subjects/{ORDERS}/versions", json=_body("{")), 422, 42201)
    _error(await _register(registry, "orders-value", order()), 422, 42208)
    _error(await _call(registry, "PUT", "/config", json={"compatibility": "SIDEWAYS"}), 422, 42203)
    _error(await _call(registry, "PUT", f"/mode/{ORDERS}", json={"mode": "IMPORT"}), 422, 42204)
    _error(await _register(registry, ORDERS, order(amount="string")), 409, 409)
    unauthenticated = await registry.client.get("/confluent/subjects")
    _error(unauthenticated, 401, 401)
    assert "Basic" in unauthenticated.headers["WWW-Authenticate"]
    _error(await _register_as(registry, ORDERS, order(), Role.RUNNER), 403, 40301)


async def _register_as(registry: Harness, subject: str, schema: Any, role: Role) -> httpx.Response:
    return await _call(registry, "POST", f"/subjects/{subject}/versions", role, json=_body(schema))


async def test_versions_published_through_governance_have_ids_and_integer_versions(registry: Harness) -> None:
    await registry.publish(order())
    await registry.publish(order(note="string"))
    versions = await _call(registry, "GET", f"/subjects/{SUBJECT}/versions", Role.RUNNER)
    assert versions.json() == [1, 2]
    latest = (await _call(registry, "GET", f"/subjects/{SUBJECT}/versions/latest", Role.RUNNER)).json()
    assert (latest["version"], latest["schemaType"]) == (2, "JSON")
    assert json.loads(latest["schema"]) == order(note="string")
    by_id = (await _call(registry, "GET", f"/schemas/ids/{latest['id']}", Role.RUNNER)).json()
    assert by_id == {"schema": latest["schema"], "schemaType": "JSON"}
    raw = await _call(registry, "GET", f"/subjects/{SUBJECT}/versions/1/schema", Role.RUNNER)
    assert raw.json() == order()


async def test_a_bound_subject_registers_through_the_governance_gate(registry: Harness) -> None:
    await registry.publish(order())
    stored = await registry.client.put(
        "/api/v1/contracts/finance_gdp_transform/gdp", json=CONTRACT, headers=bearer(Role.PUBLISHER)
    )
    assert stored.status_code == 201, stored.text
    # Nobody decides within the wait: the proposal is pending, and the client is told so.
    message = _error(await _register(registry, SUBJECT, order(note="string")), 422, 42205)
    assert "awaits the governance gate" in message
    proposed = registry.events(SchemaProposed)[-1].detail
    assert str(proposed.proposed_fqid) == f"{SUBJECT}:v1.1"
    assert proposed.proposed_by == "publisher-bot"
    await registry.decide(str(proposed.proposal_id), approve=True)
    await eventually(lambda: len(registry.events(SchemaPublished)) == 2, what="SchemaPublished")
    again = await _register(registry, SUBJECT, order(note="string"))
    assert again.status_code == 200, again.text
    latest = (await _call(registry, "GET", f"/subjects/{SUBJECT}/versions/latest", Role.RUNNER)).json()
    assert again.json() == {"id": latest["id"]}

    # With a gate that decides at once, the registration answers the id within the wait.
    async def approve(envelope: Envelope[Any]) -> None:
        detail: SchemaProposed = envelope.detail
        decision = SchemaApproved(
            proposal_id=detail.proposal_id,
            subject=detail.subject,
            proposed_fqid=detail.proposed_fqid,
            approved_by="governance",
            reason="compatible, no open drift",
        )
        await registry.governance.publish(new_envelope(decision, source="governance", cause=envelope))

    registry.governance.subscribe("auto-gate", ["SchemaProposed"], approve)
    await registry.governance.start()
    decided = await _register(registry, SUBJECT, order(note="string", region="string"))
    assert decided.status_code == 200, decided.text
    assert (await _call(registry, "GET", f"/subjects/{SUBJECT}/versions", Role.RUNNER)).json() == [1, 2, 3]
    # An incompatible registration is refused before the gate.
    _error(await _register(registry, SUBJECT, order(amount="string")), 409, 409)


async def test_soft_and_permanent_delete_keep_published_versions_resolvable(registry: Harness) -> None:
    first = (await _register(registry, ORDERS, order())).json()["id"]
    await _register(registry, ORDERS, order(note="string"))
    _error(await _call(registry, "DELETE", f"/subjects/{ORDERS}/versions/2"), 403, 40301)  # approvers delete
    assert (await _call(registry, "DELETE", f"/subjects/{ORDERS}/versions/2", Role.APPROVER)).json() == 2
    assert (await _call(registry, "GET", f"/subjects/{ORDERS}/versions")).json() == [1]
    assert (await _call(registry, "GET", f"/subjects/{ORDERS}/versions?deleted=true")).json() == [1, 2]
    assert (await _call(registry, "GET", f"/subjects/{ORDERS}/versions/latest")).json()["version"] == 1
    fetch = "/api/v1/schema/fetch"
    latest = await registry.client.get(
        fetch, params={"fqid": f"{ORDERS}:latest"}, headers=bearer(Role.RUNNER)
    )
    assert latest.json()["fqid"] == f"{ORDERS}:v1.0"  # `latest` skips the deleted version
    pinned = await registry.client.get(fetch, params={"fqid": f"{ORDERS}:v1.1"}, headers=bearer(Role.RUNNER))
    assert pinned.status_code == 200  # a run pinned to it still resolves it

    approve = Role.APPROVER
    _error(
        await _call(registry, "DELETE", f"/subjects/{ORDERS}/versions/1?permanent=true", approve), 404, 40407
    )
    _error(await _call(registry, "DELETE", f"/subjects/{ORDERS}/versions/2", approve), 404, 40406)
    _error(await _call(registry, "DELETE", f"/subjects/{ORDERS}?permanent=true", approve), 404, 40405)
    assert (await _call(registry, "DELETE", f"/subjects/{ORDERS}", approve)).json() == [1]
    _error(await _call(registry, "DELETE", f"/subjects/{ORDERS}", approve), 404, 40404)
    assert (await _call(registry, "GET", "/subjects")).json() == []
    assert (await _call(registry, "GET", "/subjects?deleted=true")).json() == [ORDERS]
    assert (await _call(registry, "DELETE", f"/subjects/{ORDERS}?permanent=true", approve)).json() == [1, 2]
    _error(await _call(registry, "GET", f"/subjects/{ORDERS}/versions?deleted=true"), 404, 40401)
    # The same content registered again comes back with its id, as version 1 of the subject.
    again = await _register(registry, ORDERS, order())
    assert again.json() == {"id": first}
    assert (await _call(registry, "GET", f"/subjects/{ORDERS}/versions")).json() == [1]


async def test_modes_and_levels(registry: Harness) -> None:
    assert (await _register(registry, ORDERS, order())).status_code == 200
    _error(await _call(registry, "GET", f"/mode/{ORDERS}"), 404, 40409)
    assert (await _call(registry, "GET", f"/mode/{ORDERS}?defaultToGlobal=true")).json() == {
        "mode": "READWRITE"
    }
    put = await _call(registry, "PUT", f"/mode/{ORDERS}", json={"mode": "READONLY"})
    assert put.json() == {"mode": "READONLY"}
    _error(await _register(registry, ORDERS, order(note="string")), 422, 42205)
    await _call(registry, "DELETE", f"/mode/{ORDERS}")
    assert (await _call(registry, "GET", "/mode")).json() == {"mode": "READWRITE"}

    _error(await _call(registry, "GET", f"/config/{ORDERS}"), 404, 40408)
    assert (await _call(registry, "GET", f"/config/{ORDERS}?defaultToGlobal=true")).json() == {
        "compatibilityLevel": "BACKWARD"
    }
    # The global level set here is the registry's: /api/v1 applies it to every subject without its own.
    assert (await _call(registry, "PUT", "/config", json={"compatibility": "NONE"})).json() == {
        "compatibility": "NONE"
    }
    applied = await registry.client.get(f"/api/v1/subjects/{ORDERS}/config", headers=bearer(Role.RUNNER))
    assert (applied.json()["level"], applied.json()["explicit"]) == ("NONE", False)
    assert (await _register(registry, ORDERS, order(amount="string"))).status_code == 200
    assert (await _call(registry, "DELETE", "/config")).json() == {"compatibilityLevel": "NONE"}
    assert (await _call(registry, "GET", "/config")).json() == {"compatibilityLevel": "BACKWARD"}


async def test_verbose_compatibility_names_each_change(registry: Harness) -> None:
    await _register(registry, ORDERS, order())
    path = f"/compatibility/subjects/{ORDERS}/versions/latest?verbose=true"
    answer = (await _call(registry, "POST", path, Role.RUNNER, json=_body(order(amount="string")))).json()
    assert answer["is_compatible"] is False
    assert answer["messages"][0].startswith(
        "Found incompatible change: Difference{jsonPath='#/properties/amount'"
    )
    assert answer["changes"][0]["type"] == "TYPE_CHANGED"
    quiet = await _call(
        registry, "POST", path.removesuffix("?verbose=true"), Role.RUNNER, json=_body(order())
    )
    assert quiet.json() == {"is_compatible": True}


ADDRESS = {"type": "object", "properties": {"city": {"type": "string"}}, "additionalProperties": False}
CUSTOMER = {"type": "object", "properties": {"address": {"$ref": "address.json"}}}


async def test_references_resolve_through_the_registry_and_are_compared_by_content(registry: Harness) -> None:
    address, customer = "finance.raw.address", "finance.raw.customer"
    await _register(registry, address, ADDRESS)
    reference = {"name": "address.json", "subject": address, "version": 1}
    created = await _register(registry, customer, CUSTOMER, references=[reference])
    assert created.status_code == 200, created.text
    schema_id = created.json()["id"]
    by_id = (await _call(registry, "GET", f"/schemas/ids/{schema_id}")).json()
    assert by_id["references"] == [reference]
    assert (await _call(registry, "GET", f"/subjects/{address}/versions/1/referencedby")).json() == [
        schema_id
    ]
    _error(await _call(registry, "DELETE", f"/subjects/{address}/versions/1", Role.APPROVER), 422, 42206)
    missing = {"name": "address.json", "subject": address, "version": 9}
    _error(await _register(registry, customer, CUSTOMER, references=[missing]), 422, 42201)

    # The address narrows (allowed on its subject, level NONE); the customer's same `$ref` now means
    # something narrower: compared by content, that breaks BACKWARD.
    await _call(registry, "PUT", f"/config/{address}", json={"compatibility": "NONE"})
    narrower = {**ADDRESS, "properties": {"city": {"type": "string", "maxLength": 3}}}
    assert (await _register(registry, address, narrower)).status_code == 200
    moved = {"name": "address.json", "subject": address, "version": 2}
    _error(await _register(registry, customer, CUSTOMER, references=[moved]), 409, 409)
