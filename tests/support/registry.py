"""Registry test harness: the service on SQLite or PostgreSQL, an in-memory or RabbitMQ bus, three tokens.

`toy_check` is a deliberately small stand-in for the compatibility engine (it honours the same
`check` signature and returns real `Verdict`s) so the registry's own behaviour is tested whether
or not the engine has landed. Tests of the registry with the real engine use `compat.check`.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from pydantic import SecretStr

from schemaline.contracts import (
    Envelope,
    EventDetail,
    ProposalId,
    SchemaApproved,
    SchemaPublished,
    SchemaRejected,
    Subject,
    new_envelope,
)
from schemaline.registry.compat import Checker
from schemaline.registry.service import Registry
from schemaline.registry.settings import ConfluentSettings, RegistrySettings
from schemaline.registry.spec import SPEC
from schemaline.runtime.bus import EventBus, InMemoryTransport, Transport, build_bus
from schemaline.runtime.service import Running, start
from schemaline.runtime.settings import AuthSettings, BusSettings, DatabaseSettings, Role, TokenGrant
from schemaline.sdk.compat import Change, Comparison, Level, Policy, Verdict
from schemaline.sdk.compat.api import JsonSchema
from tests.support.aio import eventually
from tests.support.postgres import ADMIN_DSN

TOKENS = {
    Role.RUNNER: "runner-token-0123456789",
    Role.PUBLISHER: "publisher-token-0123456789",
    Role.APPROVER: "approver-token-0123456789",
}


def auth_settings() -> AuthSettings:
    return AuthSettings(
        tokens=[
            TokenGrant(name=f"{role.value}-bot", role=role, token=SecretStr(token))
            for role, token in TOKENS.items()
        ]
    )


def bearer(role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def _props(schema: JsonSchema) -> tuple[dict[str, Any], set[str]]:
    if not isinstance(schema, dict):
        return {}, set()
    return dict(schema.get("properties", {})), set(schema.get("required", []))


def _compare(old: JsonSchema, new: JsonSchema) -> tuple[Change, ...]:
    old_props, old_required = _props(old)
    new_props, new_required = _props(new)
    required = [
        Change(
            "REQUIRED_PROPERTY_ADDED", f"#/properties/{name}", None, name, False,
            f"property {name!r} became required", f"make {name!r} optional or give it a default",
        )
        for name in sorted(new_required - old_required)
    ]  # fmt: skip
    retyped = [
        Change(
            "TYPE_CHANGED", f"#/properties/{name}/type", old_props[name].get("type"),
            new_props[name].get("type"), False, f"type of {name!r} changed", "add a new property instead",
        )
        for name in sorted(set(new_props) & set(old_props))
        if old_props[name].get("type") != new_props[name].get("type")
    ]  # fmt: skip
    added = [
        Change("PROPERTY_ADDED", f"#/properties/{name}", None, name, True, f"{name!r} added", None)
        for name in sorted(set(new_props) - set(old_props) - new_required)
    ]
    return (*required, *retyped, *added)


def toy_check(candidate: JsonSchema, history: Sequence[JsonSchema], level: Level, policy: Policy) -> Verdict:
    """Top-level rules only: a new required property or a changed `type` breaks; anything else is minor."""
    indexes = range(len(history)) if level.value.endswith("_TRANSITIVE") else [len(history) - 1]
    comparisons = tuple(Comparison(i, "backward", _compare(history[i], candidate)) for i in indexes)
    breaking = not all(comparison.compatible for comparison in comparisons)
    compatible = level is Level.NONE or not breaking
    return Verdict(compatible, level, policy, comparisons, "major" if breaking else "minor")


def invoice(*required: str, **types: str) -> dict[str, Any]:
    """An invoice schema with the given property types (default: id:string, amount:number)."""
    properties = {"id": "string", "amount": "number", **types}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {name: {"type": kind} for name, kind in properties.items()},
        "required": sorted({"id", *required}),
    }


SUBJECT = Subject.parse("finance.gdp.invoice")


@dataclass
class Harness:
    """A running registry, an HTTP client on its app, and a governance stand-in on the same bus."""

    service: Running[RegistrySettings, Registry]
    client: httpx.AsyncClient
    governance: EventBus
    seen: list[Envelope[Any]] = field(default_factory=list)

    async def _record(self, envelope: Envelope[Any]) -> None:
        self.seen.append(envelope)

    def events(self, detail_type: type[EventDetail]) -> list[Envelope[Any]]:
        return [e for e in self.seen if e.detail_type == detail_type.DETAIL_TYPE]

    async def propose(
        self, schema: Any, subject: Subject = SUBJECT, role: Role = Role.PUBLISHER
    ) -> httpx.Response:
        return await self.client.post(
            f"/api/v1/subjects/{subject}/versions", json={"schema": schema}, headers=bearer(role)
        )

    async def publish(self, schema: Any, subject: Subject = SUBJECT) -> str:
        """Propose, approve as governance would, wait for SchemaPublished; returns the FQID."""
        response = await self.propose(schema, subject)
        assert response.status_code == 202, response.text
        before = len(self.events(SchemaPublished))
        await self.decide(response.json()["proposal"]["id"], approve=True)
        await eventually(lambda: len(self.events(SchemaPublished)) > before, what="SchemaPublished")
        return str(self.events(SchemaPublished)[-1].detail.fqid)

    async def decide(self, proposal_id: str, *, approve: bool, reason: str = "looks fine") -> Envelope[Any]:
        """Publish governance's decision on the bus, as the governance service would."""
        body = (await self.client.get(f"/api/v1/proposals/{proposal_id}", headers=bearer(Role.RUNNER))).json()
        detail: EventDetail
        if approve:
            detail = SchemaApproved(
                proposal_id=ProposalId(proposal_id),
                subject=body["subject"],
                proposed_fqid=body["proposed_fqid"],
                approved_by="governance",
                reason=reason,
            )
        else:
            detail = SchemaRejected(
                proposal_id=ProposalId(proposal_id),
                subject=body["subject"],
                proposed_fqid=body["proposed_fqid"],
                rejected_by="governance",
                reason=reason,
            )
        envelope = new_envelope(detail, source="governance")
        await self.governance.publish(envelope)
        return envelope


@contextlib.asynccontextmanager
async def running_registry(
    database_url: str,
    *,
    bus_settings: BusSettings | None = None,
    transport: Transport | None = None,
    checker: Checker = toy_check,
    confluent: ConfluentSettings | None = None,
) -> AsyncIterator[Harness]:
    bus_settings = bus_settings or BusSettings()
    settings = RegistrySettings(
        database=DatabaseSettings(url=SecretStr(database_url), migrate_on_start=True),
        bus=bus_settings,
        auth=auth_settings(),
        confluent=confluent or ConfluentSettings(),
    )
    if bus_settings.transport == "memory":
        transport = transport or InMemoryTransport()
    governance = build_bus(bus_settings, transport=transport)
    async with (
        start(SPEC, settings, transport=transport, checker=checker) as service,
        contextlib.AsyncExitStack() as stack,
    ):
        harness = Harness(service, await stack.enter_async_context(_client(service)), governance)
        governance.subscribe(
            "governance-test", ["SchemaProposed", "SchemaPublished", "SchemaRejected"], harness._record
        )
        await governance.start()
        stack.push_async_callback(governance.close)
        yield harness


def _client(service: Running[RegistrySettings, Registry]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app), base_url="http://registry")


@contextlib.asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards (a missing server fails the test)."""
    name = f"test_registry_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        admin = await asyncpg.connect(ADMIN_DSN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The same suite on SQLite (a file per test) and on a fresh PostgreSQL database per test."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/registry.db"
        return
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture
async def registry(database_url: str) -> AsyncIterator[Harness]:
    async with running_registry(database_url) as harness:
        yield harness
