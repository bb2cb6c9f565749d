"""The REST API on SQLite and on PostgreSQL: the same tests, both databases."""

from __future__ import annotations

from schemaline.contracts import SchemaPublished
from schemaline.runtime.settings import Role
from tests.support.aio import eventually
from tests.support.registry import SUBJECT, Harness, bearer, invoice

READ = bearer(Role.RUNNER)


async def test_first_version_is_v1_0_and_fetchable(registry: Harness) -> None:
    assert await registry.publish(invoice()) == "finance.gdp.invoice:v1.0"
    response = await registry.client.get(
        "/api/v1/schema/fetch", params={"fqid": f"{SUBJECT}:v1.0"}, headers=READ
    )
    assert response.status_code == 200
    body = response.json()
    assert body["fqid"] == "finance.gdp.invoice:v1.0"
    assert body["schema"] == invoice()
    assert body["fingerprint"].startswith("sha256:")
    assert response.headers["ETag"].strip('"').startswith(body["fingerprint"].removeprefix("sha256:"))


async def test_selectors_resolve_exact_latest_and_major(registry: Harness) -> None:
    await registry.publish(invoice())
    await registry.publish(invoice(note="string"))  # optional property: minor
    await registry.client.put(
        f"/api/v1/subjects/{SUBJECT}/config", json={"level": "NONE"}, headers=bearer(Role.PUBLISHER)
    )
    await registry.publish(invoice(amount="string"))  # breaking, accepted under NONE: a new major
    fetched = {}
    for selector in ("v1.0", "v1.1", "latest", "^1", "^2", "v2.0"):
        response = await registry.client.get(
            "/api/v1/schema/fetch", params={"fqid": f"{SUBJECT}:{selector}"}, headers=READ
        )
        assert response.status_code == 200, (selector, response.text)
        fetched[selector] = response.json()["fqid"].split(":")[1]
    assert fetched == {
        "v1.0": "v1.0",
        "v1.1": "v1.1",
        "latest": "v2.0",
        "^1": "v1.1",
        "^2": "v2.0",
        "v2.0": "v2.0",
    }


async def test_etag_revalidation_answers_304(registry: Harness) -> None:
    await registry.publish(invoice())
    url, params = "/api/v1/schema/fetch", {"fqid": f"{SUBJECT}:latest"}
    first = await registry.client.get(url, params=params, headers=READ)
    etag = first.headers["ETag"]
    again = await registry.client.get(url, params=params, headers={**READ, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    await registry.publish(invoice(note="string"))
    changed = await registry.client.get(url, params=params, headers={**READ, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json()["fqid"] == f"{SUBJECT}:v1.1"
    assert changed.headers["ETag"] != etag


async def test_unknown_subject_and_version_are_404(registry: Harness) -> None:
    await registry.publish(invoice())
    for path in (
        "/api/v1/subjects/finance.gdp.nothing/versions",
        f"/api/v1/subjects/{SUBJECT}/versions/v9.9",
        "/api/v1/subjects/finance.gdp.nothing/config",
        "/api/v1/proposals/no-such-proposal",
    ):
        response = await registry.client.get(path, headers=READ)
        assert response.status_code == 404, path
        assert response.json()["status"] == 404
    response = await registry.client.get(
        "/api/v1/schema/fetch", params={"fqid": f"{SUBJECT}:^7"}, headers=READ
    )
    assert response.status_code == 404


async def test_malformed_selector_is_422(registry: Harness) -> None:
    response = await registry.client.get("/api/v1/schema/fetch", params={"fqid": "finance/gdp"}, headers=READ)
    assert response.status_code == 422
    assert response.json()["pointer"] == "/query/fqid"


async def test_invalid_json_schema_is_422_with_pointer(registry: Harness) -> None:
    response = await registry.propose({"type": "object", "properties": {"id": {"type": "text"}}})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] is None
    assert body["pointer"] == "/properties/id/type"
    assert "not a valid JSON Schema" in body["message"]


async def test_incompatible_proposal_is_409_pipe_1103_with_changes(registry: Harness) -> None:
    await registry.publish(invoice())
    response = await registry.propose(invoice("currency", currency="string"))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "PIPE-1103"
    assert body["operator_action"] == "Blocked — request schema update"
    [change] = body["changes"]
    assert change["type"] == "REQUIRED_PROPERTY_ADDED"
    assert change["path"] == "#/properties/currency"
    assert change["suggestion"]


async def test_identical_content_returns_the_existing_version(registry: Harness) -> None:
    await registry.publish(invoice())
    reordered = dict(reversed(list(invoice().items())))  # same content, other key order
    response = await registry.propose(reordered)
    assert response.status_code == 200
    assert response.json() | {"proposal": None} == {
        "status": "existing",
        "created": False,
        "fqid": f"{SUBJECT}:v1.0",
        "fingerprint": response.json()["fingerprint"],
        "proposal": None,
    }


async def test_identical_pending_proposal_is_returned_not_duplicated(registry: Harness) -> None:
    first = await registry.propose(invoice())
    second = await registry.propose(invoice())
    assert (first.status_code, second.status_code) == (202, 200)
    assert second.json()["proposal"]["id"] == first.json()["proposal"]["id"]
    listed = await registry.client.get("/api/v1/proposals", params={"state": "pending"}, headers=READ)
    assert len(listed.json()) == 1


async def test_dry_run_registers_nothing(registry: Harness) -> None:
    await registry.publish(invoice())
    url = f"/api/v1/subjects/{SUBJECT}/compatibility"
    ok = await registry.client.post(url, json={"schema": invoice(note="string")}, headers=READ)
    assert ok.status_code == 200
    assert ok.json()["compatible"] is True
    assert ok.json()["next_fqid"] == f"{SUBJECT}:v1.1"
    breaking = await registry.client.post(url, json={"schema": invoice(amount="string")}, headers=READ)
    assert breaking.json()["compatible"] is False
    assert breaking.json()["semver"] == "major"
    assert [c["type"] for c in breaking.json()["changes"]] == ["TYPE_CHANGED"]
    none = await registry.client.post(
        url, json={"schema": invoice(amount="string"), "level": "NONE"}, headers=READ
    )
    assert none.json()["compatible"] is True
    assert none.json()["next_fqid"] == f"{SUBJECT}:v2.0"
    proposals = await registry.client.get("/api/v1/proposals", headers=READ)
    assert [p["state"] for p in proposals.json()] == ["published"]


async def test_subject_config_defaults_and_overrides(registry: Harness) -> None:
    await registry.publish(invoice())
    url = f"/api/v1/subjects/{SUBJECT}/config"
    default = (await registry.client.get(url, headers=READ)).json()
    assert default == {"subject": str(SUBJECT), "level": "BACKWARD", "policy": "strict", "explicit": False}
    put = await registry.client.put(
        url, json={"level": "NONE", "policy": "lenient"}, headers=bearer(Role.PUBLISHER)
    )
    assert put.status_code == 200
    assert (await registry.client.get(url, headers=READ)).json()["level"] == "NONE"
    # Under NONE a breaking change is accepted, and takes a new major.
    assert await registry.publish(invoice(amount="string")) == f"{SUBJECT}:v2.0"


async def test_list_subjects_and_versions(registry: Harness) -> None:
    await registry.publish(invoice())
    await registry.publish(invoice(note="string"))
    subjects = (await registry.client.get("/api/v1/subjects", headers=READ)).json()
    assert subjects == [
        {
            "subject": str(SUBJECT),
            "latest_fqid": f"{SUBJECT}:v1.1",
            "version_count": 2,
            "level": None,
            "policy": None,
        }
    ]
    versions = (await registry.client.get(f"/api/v1/subjects/{SUBJECT}/versions", headers=READ)).json()
    assert [v["version"] for v in versions] == ["v1.0", "v1.1"]
    assert all(v["schema"] is None for v in versions)
    one = (await registry.client.get(f"/api/v1/subjects/{SUBJECT}/versions/v1.1", headers=READ)).json()
    assert one["schema"] == invoice(note="string")


async def test_deprecated_versions_leave_latest_but_stay_fetchable_exactly(registry: Harness) -> None:
    await registry.publish(invoice())
    await registry.publish(invoice(note="string"))
    response = await registry.client.put(
        f"/api/v1/subjects/{SUBJECT}/versions/v1.1/deprecated",
        json={"deprecated": True},
        headers=bearer(Role.APPROVER),
    )
    assert response.status_code == 200
    assert response.json()["deprecated"] is True
    latest = await registry.client.get(
        "/api/v1/schema/fetch", params={"fqid": f"{SUBJECT}:latest"}, headers=READ
    )
    assert latest.json()["fqid"] == f"{SUBJECT}:v1.0"
    exact = await registry.client.get(
        "/api/v1/schema/fetch", params={"fqid": f"{SUBJECT}:v1.1"}, headers=READ
    )
    assert exact.json()["deprecated"] is True


async def test_health_and_readiness_need_no_token(registry: Harness) -> None:
    assert (await registry.client.get("/api/v1/health")).json() == {"status": "ok", "detail": None}
    assert (await registry.client.get("/api/v1/ready")).status_code == 200


async def test_integers_beyond_64_bits_are_refused(registry: Harness) -> None:
    response = await registry.propose({"type": "object", "properties": {"id": {"maxLength": 2**70}}})
    assert response.status_code == 422
    assert response.json()["pointer"] == "/properties/id/maxLength"


async def test_whole_floats_fingerprint_as_integers_within_exact_range(registry: Harness) -> None:
    first = await registry.propose({"type": "object", "properties": {"id": {"maxLength": 10}}})
    same = await registry.propose({"type": "object", "properties": {"id": {"maxLength": 10.0}}})
    assert same.json()["fingerprint"] == first.json()["fingerprint"]
    huge = await registry.propose({"type": "object", "properties": {"id": {"maximum": 1e30}}})
    assert huge.status_code == 202


async def test_a_declared_new_major_carries_a_breaking_change(registry: Harness) -> None:
    await registry.publish(invoice())
    breaking = invoice(amount="string")
    refused = await registry.propose(breaking)
    assert refused.status_code == 409
    response = await registry.client.post(
        f"/api/v1/subjects/{SUBJECT}/versions",
        json={"schema": breaking, "new_major": True},
        headers=bearer(Role.PUBLISHER),
    )
    assert response.status_code == 202
    proposal = response.json()["proposal"]
    assert (proposal["proposed_fqid"], proposal["new_major"]) == (f"{SUBJECT}:v2.0", True)
    assert [c["type"] for c in proposal["changes"]] == ["TYPE_CHANGED"]  # reported, not blocking
    await registry.decide(proposal["id"], approve=True)
    await eventually(lambda: len(registry.events(SchemaPublished)) == 2, what="v2.0")
    await registry.publish(invoice(amount="string", note="string"))  # the next minor: v2.1
    fetched = {}
    for spec in ("^1", "^2", "latest"):
        response = await registry.client.get(
            "/api/v1/schema/fetch", params={"fqid": f"{SUBJECT}:{spec}"}, headers=READ
        )
        fetched[spec] = response.json()["fqid"]
    assert fetched == {"^1": f"{SUBJECT}:v1.0", "^2": f"{SUBJECT}:v2.1", "latest": f"{SUBJECT}:v2.1"}
