"""Publication coordinated by events only, over the in-memory bus and over RabbitMQ."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from schemaline.contracts import SchemaProposed, SchemaPublished, SchemaRejected
from schemaline.runtime.settings import BusSettings, Role
from tests.support.aio import eventually
from tests.support.registry import SUBJECT, Harness, bearer, invoice, running_registry

READ = bearer(Role.RUNNER)


async def proposal_state(harness: Harness, proposal_id: str, state: str) -> dict[str, Any]:
    for _ in range(500):
        body: dict[str, Any] = (
            await harness.client.get(f"/api/v1/proposals/{proposal_id}", headers=READ)
        ).json()
        if body["state"] == state:
            return body
        await asyncio.sleep(0.02)
    raise AssertionError(f"proposal {proposal_id} never became {state}: {body}")


async def pending(harness: Harness, schema: dict[str, Any]) -> str:
    response = await harness.propose(schema)
    assert response.status_code == 202, response.text
    proposal_id: str = response.json()["proposal"]["id"]
    return proposal_id


class PublicationFlow:
    """The suite; each subclass runs it over one bus."""

    @pytest.fixture
    def bus_settings(self) -> BusSettings:
        raise NotImplementedError

    @pytest.fixture
    async def flow(self, bus_settings: BusSettings, tmp_path: Path) -> AsyncIterator[Harness]:
        url = f"sqlite+aiosqlite:///{tmp_path}/flow.db"
        async with running_registry(url, bus_settings=bus_settings) as harness:
            yield harness

    async def test_proposal_is_announced_then_published_on_approval(self, flow: Harness) -> None:
        proposal_id = await pending(flow, invoice())
        await eventually(lambda: len(flow.events(SchemaProposed)) == 1, what="SchemaProposed")
        proposed = flow.events(SchemaProposed)[0].detail
        assert (proposed.proposal_id, str(proposed.proposed_fqid), proposed.base_fqid) == (
            proposal_id,
            f"{SUBJECT}:v1.0",
            None,
        )
        assert proposed.proposed_by == "publisher-bot"
        not_yet = await flow.client.get(
            "/api/v1/schema/fetch", params={"fqid": f"{SUBJECT}:latest"}, headers=READ
        )
        assert not_yet.status_code == 404  # pending is not published

        approval = await flow.decide(proposal_id, approve=True)
        await eventually(lambda: len(flow.events(SchemaPublished)) == 1, what="SchemaPublished")
        published = flow.events(SchemaPublished)[0]
        assert str(published.detail.fqid) == f"{SUBJECT}:v1.0"
        assert published.detail.proposal_id == proposal_id
        assert published.detail.meta.causation_id == approval.id
        body = await proposal_state(flow, proposal_id, "published")
        assert (body["decided_by"], body["published_fqid"]) == ("governance", f"{SUBJECT}:v1.0")
        live = await flow.client.get(
            "/api/v1/schema/fetch", params={"fqid": f"{SUBJECT}:latest"}, headers=READ
        )
        assert live.json()["fqid"] == f"{SUBJECT}:v1.0"

    async def test_rejection_marks_the_proposal_and_publishes_nothing(self, flow: Harness) -> None:
        proposal_id = await pending(flow, invoice())
        await flow.decide(proposal_id, approve=False, reason="drift case open on the subject")
        body = await proposal_state(flow, proposal_id, "rejected")
        assert body["reason"] == "drift case open on the subject"
        assert body["decided_by"] == "governance"
        assert flow.events(SchemaPublished) == []
        # A late approval of a rejected proposal changes nothing.
        await flow.decide(proposal_id, approve=True)
        await asyncio.sleep(0.3)
        assert flow.events(SchemaPublished) == []

    async def test_approval_rechecks_against_the_then_latest_version(self, flow: Harness) -> None:
        first = await pending(flow, invoice())
        await flow.decide(first, approve=True)
        await eventually(lambda: len(flow.events(SchemaPublished)) == 1, what="v1.0")
        as_string = await pending(flow, invoice(note="string"))
        as_integer = await pending(flow, invoice(note="integer"))  # compatible with v1.0, not with the other
        await flow.decide(as_string, approve=True)
        await eventually(lambda: len(flow.events(SchemaPublished)) == 2, what="v1.1")
        await flow.decide(as_integer, approve=True)
        body = await proposal_state(flow, as_integer, "rejected")
        assert body["decided_by"] == "registry"
        assert body["reason"].startswith("PIPE-1103: no longer compatible with finance.gdp.invoice:v1.1")
        await eventually(lambda: len(flow.events(SchemaRejected)) == 1, what="SchemaRejected")
        rejected = flow.events(SchemaRejected)[0].detail
        assert (rejected.proposal_id, rejected.rejected_by) == (as_integer, "registry")
        assert [str(e.detail.fqid) for e in flow.events(SchemaPublished)] == [
            f"{SUBJECT}:v1.0",
            f"{SUBJECT}:v1.1",
        ]

    async def test_version_number_is_taken_at_publication(self, flow: Harness) -> None:
        first = await pending(flow, invoice())
        await flow.decide(first, approve=True)
        await eventually(lambda: len(flow.events(SchemaPublished)) == 1, what="v1.0")
        note = await pending(flow, invoice(note="string"))
        memo = await pending(flow, invoice(memo="string"))
        await eventually(lambda: len(flow.events(SchemaProposed)) == 3, what="proposals announced")
        proposed = {e.detail.proposal_id: str(e.detail.proposed_fqid) for e in flow.events(SchemaProposed)}
        assert proposed[note] == proposed[memo] == f"{SUBJECT}:v1.1"
        await flow.decide(note, approve=True)
        await eventually(lambda: len(flow.events(SchemaPublished)) == 2, what="note")
        await flow.decide(memo, approve=True)
        await eventually(lambda: len(flow.events(SchemaPublished)) == 3, what="memo")
        published = flow.events(SchemaPublished)[-1].detail
        assert (str(published.fqid), str(published.previous_fqid)) == (f"{SUBJECT}:v1.2", f"{SUBJECT}:v1.1")

    async def test_a_redelivered_approval_publishes_once(self, flow: Harness) -> None:
        proposal_id = await pending(flow, invoice())
        approval = await flow.decide(proposal_id, approve=True)
        await flow.governance.publish(approval)  # the same event id, delivered again
        await eventually(lambda: len(flow.events(SchemaPublished)) == 1, what="SchemaPublished")
        await asyncio.sleep(0.3)
        assert len(flow.events(SchemaPublished)) == 1
        versions = await flow.client.get(f"/api/v1/subjects/{SUBJECT}/versions", headers=READ)
        assert [v["version"] for v in versions.json()] == ["v1.0"]


class TestOverInMemoryBus(PublicationFlow):
    @pytest.fixture
    def bus_settings(self) -> BusSettings:
        return BusSettings()


@pytest.mark.rabbitmq
class TestOverRabbitMQ(PublicationFlow):
    @pytest.fixture
    def bus_settings(self, rabbit_settings: BusSettings) -> BusSettings:
        return rabbit_settings
