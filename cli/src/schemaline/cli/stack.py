"""The embedded stack: every service in one process on the embedded default parts.

In-process bus, one SQLite file per service, a local folder as the object store, and the registry's
ASGI app serving the SDK clients without a socket. `schemaline demo` and the in-process end-to-end
tests run on it; the same services run as processes on RabbitMQ, PostgreSQL and S3 in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from schemaline.contracts import Envelope, SchemaContract, Subject
from schemaline.drift_detector.bootstrap import bootstrap as drift_bootstrap
from schemaline.drift_detector.handlers import Deps as DriftDeps
from schemaline.drift_detector.ports import ResolverSchemas
from schemaline.drift_detector.settings import DriftSettings
from schemaline.governance.approvals import decide
from schemaline.governance.bootstrap import bootstrap as governance_bootstrap
from schemaline.governance.settings import GovernanceSettings
from schemaline.lineage_writer.bootstrap import LineageWriter
from schemaline.lineage_writer.bootstrap import bootstrap as lineage_bootstrap
from schemaline.lineage_writer.settings import LineageSettings
from schemaline.registry.bootstrap import RegistryService
from schemaline.registry.bootstrap import bootstrap as registry_bootstrap
from schemaline.registry.settings import AuthSettings, OutboxSettings, RegistrySettings, Role, TokenGrant
from schemaline.runtime.bus import EventBus, InMemoryTransport
from schemaline.runtime.db import create_engine
from schemaline.runtime.objectstore import LocalFolderStore
from schemaline.runtime.settings import BusSettings, DatabaseSettings, ObjectStoreSettings
from schemaline.sdk.registry_api import RegistryApi
from schemaline.sdk.registry_settings import RegistryClients, RegistryClientSettings, connect_registry
from schemaline.validator.bootstrap import bootstrap as validator_bootstrap
from schemaline.validator.handler import Deps as ValidatorDeps
from schemaline.validator.registry_catalog import RegistryCatalog
from schemaline.validator.settings import ValidatorSettings

REGISTRY_URL = "http://registry.embedded"
APPROVER = "demo-approver"


@dataclass
class EmbeddedStack:
    workdir: Path
    transport: InMemoryTransport
    objects: LocalFolderStore
    registry: RegistryService
    runner: RegistryClients
    publisher: RegistryApi
    validator: ValidatorDeps
    drift: DriftDeps
    lineage: LineageWriter
    drift_engine: Any
    governance_engine: Any
    approver_token: str
    publisher_token: str
    drift_database_url: str
    lineage_database_url: str
    governance_database_url: str

    def bus(self) -> EventBus:
        """A bus for a pipeline stage or a tool: publishes onto the shared in-process transport."""
        return EventBus(self.transport)

    async def settle(self, *, quiet_s: float = 0.15, within_s: float = 30.0) -> None:
        """Wait until every event has been handled, the outboxes included."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        quiet_since: float | None = None
        seen = -1
        while True:
            now = loop.time()
            busy = not self.transport.idle() or len(self.transport.published) != seen
            seen = len(self.transport.published)
            if busy:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = now
            elif now - quiet_since >= quiet_s:
                return
            if now > deadline:
                raise TimeoutError(f"the embedded stack did not settle within {within_s}s")
            await asyncio.sleep(0.01)

    def events(self) -> list[Envelope[Any]]:
        return self.transport.events()

    async def publish_schema(self, subject: Subject | str, schema: Any) -> dict[str, Any]:
        """Propose a version and let the publication flow (registry → governance → registry) run."""
        answer = await self.publisher.propose(subject, schema)
        await self.settle()
        return answer

    async def put_contract(self, contract: SchemaContract) -> None:
        await self.publisher.put_contract(contract)

    async def approve(self, proposal_id: str, reason: str) -> Envelope[Any]:
        """What `schemaline governance approve` does, as the demo's approver."""
        envelope = await decide(
            self.governance_engine,
            self.bus(),
            proposal_id,
            approve=True,
            approver=APPROVER,
            reason=reason,
        )
        await self.settle()
        return envelope


def _sqlite(workdir: Path, name: str) -> str:
    return f"sqlite+aiosqlite:///{workdir / f'{name}.db'}"


@contextlib.asynccontextmanager
async def embedded_stack(workdir: Path) -> AsyncIterator[EmbeddedStack]:
    """Start every service on the embedded default under `workdir`; stop them all on exit."""
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
    transport = InMemoryTransport()
    objects = LocalFolderStore(workdir / "objects")
    memory_bus = BusSettings(transport="memory", retry_backoff_s=0.01)
    object_settings = ObjectStoreSettings(kind="local", root=str(workdir / "objects"))
    tokens = {role: secrets.token_urlsafe(24) for role in Role}
    approver_token = tokens[Role.APPROVER]

    registry = registry_bootstrap(
        RegistrySettings(
            database=DatabaseSettings(url=SecretStr(_sqlite(workdir, "registry"))),
            bus=memory_bus,
            auth=AuthSettings(
                tokens=[
                    TokenGrant(name=f"demo-{role.value}", role=role, token=SecretStr(token))
                    for role, token in tokens.items()
                ]
            ),
            outbox=OutboxSettings(poll_interval_s=0.05),
        ),
        bus=EventBus(transport),
    )
    asgi = httpx.ASGITransport(app=registry.app)
    client_settings = RegistryClientSettings(url=REGISTRY_URL, token=SecretStr(tokens[Role.RUNNER]))

    drift_url, lineage_url, governance_url = (
        _sqlite(workdir, name) for name in ("drift", "lineage", "governance")
    )
    governance_engine = create_engine(governance_url)
    governance = governance_bootstrap(
        GovernanceSettings(
            bus=memory_bus,
            database=DatabaseSettings(url=SecretStr(governance_url)),
        ),
        bus=EventBus(transport),
        engine=governance_engine,
    )
    lineage = lineage_bootstrap(
        LineageSettings(bus=memory_bus, database=DatabaseSettings(url=SecretStr(lineage_url))),
        bus=EventBus(transport),
    )

    async with (
        registry.running(),
        connect_registry(client_settings, transport=asgi) as runner,
        RegistryApi(REGISTRY_URL, token=tokens[Role.PUBLISHER], transport=asgi) as publisher,
    ):
        validator, validator_deps = validator_bootstrap(
            ValidatorSettings(bus=memory_bus, objects=object_settings),
            catalog=RegistryCatalog(runner.resolver, runner.api),
            objects=objects,
            bus=EventBus(transport),
        )
        drift, drift_deps = drift_bootstrap(
            DriftSettings(
                bus=memory_bus,
                objects=object_settings,
                database=DatabaseSettings(url=SecretStr(drift_url)),
            ),
            schemas=ResolverSchemas(runner.resolver),
            objects=objects,
            bus=EventBus(transport),
            engine=create_engine(drift_url),
        )
        async with (
            governance.running(),
            lineage.service.running(),
            drift.running(),
            validator.running(),
        ):
            yield EmbeddedStack(
                workdir=workdir,
                transport=transport,
                objects=objects,
                registry=registry,
                runner=runner,
                publisher=publisher,
                validator=validator_deps,
                drift=drift_deps,
                lineage=lineage,
                drift_engine=drift_deps.engine,
                governance_engine=governance_engine,
                approver_token=approver_token,
                publisher_token=tokens[Role.PUBLISHER],
                drift_database_url=drift_url,
                lineage_database_url=lineage_url,
                governance_database_url=governance_url,
            )


def by_run(events: list[Envelope[Any]]) -> Mapping[str, list[Envelope[Any]]]:
    """Events grouped by their correlation id (the run id), in publication order."""
    runs: dict[str, list[Envelope[Any]]] = {}
    for envelope in events:
        runs.setdefault(envelope.detail.meta.correlation_id or "-", []).append(envelope)
    return runs
