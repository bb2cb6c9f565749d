"""The embedded stack: every service in one process on the embedded default parts.

In-process bus, one SQLite file per service, a local folder as the object store, and the services'
HTTP apps serving their clients without a socket (`EmbeddedNetwork`, every service's `Parts.http`).
It starts the same service specs, through the same `start`, as `python -m schemaline.<service>`
does; `schemaline demo` and the in-process end-to-end tests run on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.cli.launcher import job_launcher
from schemaline.console.spec import SPEC as CONSOLE
from schemaline.contracts import Envelope, SchemaContract, Subject
from schemaline.drift_detector.spec import SPEC as DRIFT
from schemaline.governance.spec import SPEC as GOVERNANCE
from schemaline.lineage_writer.handlers import Deps as LineageDeps
from schemaline.lineage_writer.spec import SPEC as LINEAGE
from schemaline.pipelines.deps import StageDeps
from schemaline.registry.spec import SPEC as REGISTRY
from schemaline.runtime.bus import EventBus, InMemoryTransport
from schemaline.runtime.objectstore import LocalFolderStore
from schemaline.runtime.service import Running, ServiceSpec, start
from schemaline.runtime.settings import Role
from schemaline.sdk.operators import DriftClient, GovernanceClient, LineageClient
from schemaline.sdk.registry_api import RegistryApi
from schemaline.sdk.registry_settings import RegistryClients, RegistryClientSettings, connect_registry
from schemaline.validator.spec import SPEC as VALIDATOR

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry


def embedded_url(service: str) -> str:
    """Where a service's API answers inside the embedded stack (served in-process, no socket)."""
    return f"http://{service}.embedded"


REGISTRY_URL = embedded_url(REGISTRY.name)
# The registry first: the others reach it through its app; the console last: it reaches them all.
SPECS: tuple[ServiceSpec[Any, Any], ...] = (REGISTRY, GOVERNANCE, LINEAGE, DRIFT, VALIDATOR, CONSOLE)


class EmbeddedNetwork(httpx.AsyncBaseTransport):
    """The stack's services' HTTP apps by host name: every service's `Parts.http`, so a service reaches
    another at `embedded_url(name)` in-process, as it would reach it over the network in production."""

    def __init__(self) -> None:
        self._apps: dict[str, httpx.ASGITransport] = {}

    def serve(self, service: str, app: Any) -> None:
        self._apps[httpx.URL(embedded_url(service)).host] = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        app = self._apps.get(request.url.host)
        if app is None:
            raise httpx.ConnectError(
                f"nothing serves {request.url.host} in the embedded stack", request=request
            )
        return await app.handle_async_request(request)


@dataclass
class EmbeddedStack:
    workdir: Path
    transport: InMemoryTransport
    objects: LocalFolderStore
    services: Mapping[str, Running[Any, Any]]
    runner: RegistryClients
    publisher: RegistryApi
    drift: DriftClient  # as a publisher
    governance: GovernanceClient  # as an approver
    lineage_api: LineageClient  # as a publisher
    tokens: Mapping[Role, str]

    @property
    def registry(self) -> Running[Any, Any]:
        return self.services[REGISTRY.name]

    @property
    def console(self) -> Running[Any, Any]:
        """The operator console: `console.app` is its web app, to serve on a port (`demo --console`)."""
        return self.services[CONSOLE.name]

    @property
    def lineage(self) -> LineageDeps:
        deps: LineageDeps = self.services[LINEAGE.name].deps
        return deps

    def engine(self, service: str) -> AsyncEngine:
        engine = self.services[service].engine
        assert engine is not None, f"{service} keeps no database"
        return engine

    @property
    def drift_engine(self) -> AsyncEngine:
        return self.engine(DRIFT.name)

    @property
    def governance_engine(self) -> AsyncEngine:
        return self.engine(GOVERNANCE.name)

    def database_url(self, service: str) -> str:
        url: str = self.services[service].settings.database.url.get_secret_value()
        return url

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

    async def approve(self, proposal_id: str, reason: str) -> dict[str, Any]:
        """What `schemaline governance approve` does, as the demo's approver."""
        decision = await self.governance.decide(proposal_id, approve=True, reason=reason)
        await self.settle()
        return decision


def embedded_settings(spec: ServiceSpec[Any, Any], workdir: Path, tokens: Mapping[Role, str]) -> Any:
    """The service's settings on the embedded default parts under `workdir`."""
    values: dict[str, Any] = {
        "bus": {"transport": "memory", "retry_backoff_s": 0.01},
        "objects": {"kind": "local", "root": str(workdir / "objects")},
        "outbox": {"poll_interval_s": 0.05},
        "database": {"url": f"sqlite+aiosqlite:///{workdir / f'{spec.name}.db'}"},
    }
    if "registry" in spec.settings.model_fields:
        values["registry"] = {"url": REGISTRY_URL, "token": tokens[Role.RUNNER]}
    if "apis" in spec.settings.model_fields:  # the console: every other service's API
        values["apis"] = {
            other.name: embedded_url(other.name) for other in SPECS if other.api and other != spec
        }
    grants = [
        {"name": f"demo-{role.value}", "role": role.value, "token": token} for role, token in tokens.items()
    ]
    values["auth"] = {"tokens": grants}
    return spec.settings.model_validate(values)


@contextlib.asynccontextmanager
async def embedded_stack(
    workdir: Path, *, scrape: CollectorRegistry | None = None
) -> AsyncIterator[EmbeddedStack]:
    """Start every service on the embedded default under `workdir`; stop them all on exit.

    With `scrape` (the process's Prometheus registry), every service's app serves it at `/metrics`.
    """
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
    transport = InMemoryTransport()
    tokens = {role: secrets.token_urlsafe(24) for role in Role}
    async with contextlib.AsyncExitStack() as stack:
        services: dict[str, Running[Any, Any]] = {}
        http = EmbeddedNetwork()
        for spec in SPECS:
            settings = embedded_settings(spec, workdir, tokens)
            started = start(spec, settings, transport=transport, http=http, scrape=scrape)
            running = await stack.enter_async_context(started)
            services[spec.name] = running
            if running.http_app is not None:
                http.serve(spec.name, running.http_app)

        def client(kind: type[Any], spec: ServiceSpec[Any, Any], role: Role) -> Any:
            made = kind(embedded_url(spec.name), token=tokens[role], transport=http)
            stack.push_async_callback(made.aclose)
            return made

        runner = await stack.enter_async_context(
            connect_registry(
                RegistryClientSettings(url=REGISTRY_URL, token=SecretStr(tokens[Role.RUNNER])), transport=http
            )
        )
        publisher = await stack.enter_async_context(
            RegistryApi(REGISTRY_URL, token=tokens[Role.PUBLISHER], transport=http)
        )
        objects = LocalFolderStore(workdir / "objects")
        stages = StageDeps(
            objects=objects,
            publisher=EventBus(transport),
            schemas=runner.resolver,
            contracts=runner.contracts,
        )
        await stack.enter_async_context(job_launcher(EventBus(transport), stages))
        yield EmbeddedStack(
            workdir=workdir,
            transport=transport,
            objects=objects,
            services=services,
            runner=runner,
            publisher=publisher,
            drift=client(DriftClient, DRIFT, Role.PUBLISHER),
            governance=client(GovernanceClient, GOVERNANCE, Role.APPROVER),
            lineage_api=client(LineageClient, LINEAGE, Role.PUBLISHER),
            tokens=tokens,
        )


def by_run(events: list[Envelope[Any]]) -> Mapping[str, list[Envelope[Any]]]:
    """Events grouped by their correlation id (the run id), in publication order."""
    runs: dict[str, list[Envelope[Any]]] = {}
    for envelope in events:
        runs.setdefault(envelope.detail.meta.correlation_id or "-", []).append(envelope)
    return runs
