"""Every service as its own process, started the way production starts it (`python -m …` with its
settings in the environment), on PostgreSQL, a moto server's S3 and a bus: RabbitMQ, or EventBridge →
SQS on the resources deploy/aws made (`eventbridge_bus`, provisioning off as in production). A
`Launcher` starts each one: here as a child process, or as a container of the image
(tests/e2e/launchers.py)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.contracts import EVENT_TYPES, Envelope, SchemaContract, Subject
from schemaline.runtime.bus import EventBridgeTransport, EventBus, RabbitMQTransport, Transport
from schemaline.runtime.db import create_engine
from schemaline.runtime.objectstore import S3ObjectStore
from schemaline.runtime.telemetry import JsonLinesSpanExporter, get_tracer, setup_tracing
from schemaline.sdk.operators import DriftClient, GovernanceClient
from schemaline.sdk.registry_api import RegistryApi
from schemaline.sdk.registry_settings import RegistryClients, RegistryClientSettings, connect_registry
from tests.support.moto_server import DUMMY_AWS_ENV
from tests.support.postgres import ADMIN_DSN
from tests.support.rabbitmq import AMQP_URL

from .launchers import Launcher, ProcessLauncher

SERVICES = {
    "registry": "SCHEMALINE_REGISTRY_",
    "validator": "SCHEMALINE_VALIDATOR_",
    "drift_detector": "SCHEMALINE_DRIFT_",
    "lineage_writer": "SCHEMALINE_LINEAGE_",
    "governance": "SCHEMALINE_GOVERNANCE_",
}


@dataclass(frozen=True)
class BusWiring:
    """How the services, and this process's observer and publisher, reach one bus."""

    env: Mapping[str, str]  # the BUS__* settings of every service
    transport: Callable[[], Transport]  # for the observer (its own queue) and the stages' publisher
    service_env: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # per service, extra


def rabbitmq_bus(tag: str) -> BusWiring:
    """A fresh exchange and queues of their own on the local RabbitMQ (the services declare them)."""
    return BusWiring(
        env={
            "BUS__TRANSPORT": "rabbitmq",
            "BUS__AMQP_URL": AMQP_URL,
            "BUS__EXCHANGE": f"e2e.{tag}.events",
            "BUS__QUEUE_PREFIX": f"e2e.{tag}",
            "BUS__QUEUE_EXPIRES_S": "300",
            "BUS__RETRY_BACKOFF_S": "0.05",
        },
        transport=lambda: RabbitMQTransport(
            AMQP_URL, exchange=f"e2e.{tag}.events", queue_prefix=f"e2e.{tag}"
        ),
    )


def eventbridge_bus(endpoint: str, outputs: Mapping[str, str], tag: str) -> BusWiring:
    """The bus, queues and rules a deployed deploy/aws stack made: the services only use them
    (BUS__PROVISION=false); the test's observer gets a queue and rule of its own on that bus."""
    bus, prefix = outputs["EventBusName"], outputs["QueuePrefix"]
    return BusWiring(
        env={
            "BUS__TRANSPORT": "eventbridge",
            "BUS__EVENT_BUS": bus,
            "BUS__QUEUE_PREFIX": prefix,
            "BUS__AWS_ENDPOINT_URL": endpoint,
            "BUS__AWS_REGION": "eu-west-1",
            "BUS__PROVISION": "false",
            "BUS__WAIT_TIME_S": "1",
            "BUS__RETRY_BACKOFF_S": "0.05",
        },
        transport=lambda: EventBridgeTransport(
            event_bus=bus, endpoint_url=endpoint, queue_prefix=f"e2e-{tag}", wait_time_s=1
        ),
        service_env={"validator": {"QUARANTINE_PREFIX": f"s3://{outputs['QuarantineBucket']}/quarantine"}},
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class ProcessStack:
    workdir: Path
    tag: str
    spans: Path
    database_urls: dict[str, str]
    objects: S3ObjectStore
    runner: RegistryClients
    publisher: RegistryApi
    drift_engine: AsyncEngine
    governance_engine: AsyncEngine
    lineage_engine: AsyncEngine
    observer: EventBus
    publisher_bus: EventBus
    drift: DriftClient
    governance: GovernanceClient
    urls: Mapping[str, str]  # each HTTP API (and the console) by service
    tokens: Mapping[str, str]  # by role
    seen: list[Envelope[Any]] = field(default_factory=list)

    def bus(self) -> EventBus:
        return self.publisher_bus

    def events(self) -> list[Envelope[Any]]:
        return list(self.seen)

    async def settle(self, *, quiet_s: float = 1.0, within_s: float = 60.0) -> None:
        """No new event for `quiet_s`: the services have done what the last events asked."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        count, since = len(self.seen), loop.time()
        while loop.time() - since < quiet_s:
            if loop.time() > deadline:
                raise TimeoutError("the services did not settle")
            await asyncio.sleep(0.05)
            if len(self.seen) != count:
                count, since = len(self.seen), loop.time()

    async def publish_schema(self, subject: Subject | str, schema: Any) -> dict[str, Any]:
        answer = await self.publisher.propose(subject, schema)
        await self._until(
            lambda e: e.detail_type == "SchemaPublished" and str(e.detail.fqid) == answer["fqid"]
        )
        return answer

    async def put_contract(self, contract: SchemaContract) -> None:
        await self.publisher.put_contract(contract)

    async def approve(self, proposal_id: str, reason: str) -> dict[str, Any]:
        decision = await self.governance.decide(proposal_id, approve=True, reason=reason)
        await self._until(lambda e: e.detail_type == "DriftResolved")
        await self.settle()
        return decision

    async def _until(self, predicate: Any, within_s: float = 60.0) -> None:
        async with asyncio.timeout(within_s):
            while not any(predicate(e) for e in self.seen):  # noqa: ASYNC110 - filled by the observer
                await asyncio.sleep(0.02)


async def _create_databases(tag: str) -> dict[str, str]:
    admin = await asyncpg.connect(ADMIN_DSN)
    urls = {}
    try:
        for service in SERVICES:
            name = f"e2e_{tag}_{service}"
            await admin.execute(f'CREATE DATABASE "{name}"')
            urls[service] = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        await admin.close()
    return urls


async def _drop_databases(urls: dict[str, str]) -> None:
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        for url in urls.values():
            await admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await admin.close()


async def _migrate(workdir: Path, envs: dict[str, dict[str, str]], launcher: Launcher) -> None:
    """Once per deploy, before the services start, what the migration Job does: `… migrate`."""
    with contextlib.ExitStack() as files:
        migrations = {
            service: launcher.start(
                service, env, files.enter_context((workdir / f"{service}.log").open("wb")), "migrate"
            )
            for service, env in envs.items()
        }
        codes = {service: await asyncio.to_thread(m.wait) for service, m in migrations.items()}
    if failed := [service for service, code in codes.items() if code != 0]:
        logs = {service: (workdir / f"{service}.log").read_text()[-3000:] for service in failed}
        raise RuntimeError(f"migrate failed: {logs}")


def _env(prefix: str, values: dict[str, str]) -> dict[str, str]:
    return {prefix + key: value for key, value in values.items()}


@contextlib.asynccontextmanager
async def process_stack(
    workdir: Path,
    moto_endpoint: str,
    bus: Callable[[str], BusWiring] = rabbitmq_bus,
    launcher: Launcher | None = None,
) -> AsyncIterator[ProcessStack]:
    """`moto_endpoint` serves S3; `bus(tag)` says which bus the services run on; `launcher` how
    each service starts (a child process by default)."""
    launcher = launcher or ProcessLauncher()
    tag = uuid.uuid4().hex[:8]
    wiring = bus(tag)
    urls = await _create_databases(tag)
    tokens = {role: secrets.token_urlsafe(24) for role in ("runner", "publisher", "approver")}
    ports = {
        service: free_port() for service in ("registry", "drift_detector", "governance", "lineage_writer")
    }
    registry_url = f"http://127.0.0.1:{ports['registry']}"
    spans = workdir / "spans.jsonl"
    spans.touch()
    os.chmod(spans, 0o666)  # services may run under another uid (containers) and append to it
    processes: dict[str, subprocess.Popen[bytes]] = {}
    logs: list[Any] = []
    envs: dict[str, dict[str, str]] = {}
    for service, prefix in SERVICES.items():
        common = {
            **wiring.env,
            **wiring.service_env.get(service, {}),
            "DATABASE__URL": urls[service],
            "OBJECTS__KIND": "s3",
            "OBJECTS__ENDPOINT_URL": moto_endpoint,
            "TELEMETRY__EXPORTER": "jsonl",
            "TELEMETRY__JSONL_PATH": str(spans),
            "REGISTRY__URL": registry_url,
            "REGISTRY__TOKEN": tokens["runner"],
            "HEALTH__HEARTBEAT_PATH": str(workdir / f"{service}.heartbeat"),
            "HEALTH__INTERVAL_S": "0.2",
            "AUTH__TOKENS": json.dumps(
                [{"name": f"e2e-{role}", "role": role, "token": token} for role, token in tokens.items()]
            ),
        }
        if service in ports:
            common |= {"HTTP__ENABLED": "true", "HTTP__PORT": str(ports[service])}
        own = {
            "registry": {"OUTBOX__POLL_INTERVAL_S": "0.1"},
            "governance": {"OUTBOX__POLL_INTERVAL_S": "0.1"},
            "drift_detector": {"OUTBOX__POLL_INTERVAL_S": "0.1"},
        }.get(service, {})
        envs[service] = DUMMY_AWS_ENV | _env(prefix, common | own)
    await _migrate(workdir, envs, launcher)
    # The console: no database, no bus, no migration; the four APIs, called with each operator's token.
    console_port = free_port()
    console_env = {
        "SCHEMALINE_CONSOLE_HTTP__PORT": str(console_port),
        "SCHEMALINE_CONSOLE_SESSION__SECRET": secrets.token_hex(32),
        "SCHEMALINE_CONSOLE_HEALTH__HEARTBEAT_PATH": str(workdir / "console.heartbeat"),
        **{f"SCHEMALINE_CONSOLE_APIS__{s.upper()}": f"http://127.0.0.1:{port}" for s, port in ports.items()},
    }
    for service, env in [*envs.items(), ("console", console_env)]:
        log = (workdir / f"{service}.log").open("ab")
        logs.append(log)
        processes[service] = launcher.start(service, env, log)
    try:
        async with httpx.AsyncClient(base_url=registry_url) as probe, asyncio.timeout(90):
            # Ready: the registry answers, and every service's heartbeat says its consumers run.
            while True:
                with contextlib.suppress(httpx.TransportError):
                    beating = all((workdir / f"{name}.heartbeat").exists() for name in [*SERVICES, "console"])
                    if beating and (await probe.get("/api/v1/ready")).status_code == 200:
                        break
                for name, process in processes.items():
                    if process.poll() is not None:
                        raise RuntimeError(f"{name} exited: {(workdir / f'{name}.log').read_text()[-3000:]}")
                await asyncio.sleep(0.1)
        async with attach_stack(
            workdir,
            tag=tag,
            transport=wiring.transport,
            database_urls=urls,
            moto_endpoint=moto_endpoint,
            urls={s: f"http://127.0.0.1:{port}" for s, port in [*ports.items(), ("console", console_port)]},
            tokens=tokens,
        ) as stack:
            yield stack
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()
        launcher.close()
        await _drop_databases(urls)


@contextlib.asynccontextmanager
async def attach_stack(
    workdir: Path,
    *,
    tag: str,
    transport: Callable[[], Transport],
    database_urls: Mapping[str, str],
    moto_endpoint: str,
    urls: Mapping[str, str],
    tokens: Mapping[str, str],
) -> AsyncIterator[ProcessStack]:
    """The test's side of a running stack whose consumers run: an observer of every event, the
    pipelines' publisher, the services' databases, S3, and the registry's, drift detector's and
    governance's APIs at `urls` (by service; the console's too, where one runs) with `tokens` (by role).
    compose_examples.py uses it too."""
    spans = workdir / "spans.jsonl"
    settings = RegistryClientSettings(url=urls["registry"], token=SecretStr(tokens["runner"]))
    observer = EventBus(transport())
    # The pipeline stages publish from this process: their spans go to the same file.
    provider = setup_tracing("pipelines", JsonLinesSpanExporter(str(spans)), batch=False)
    publisher_bus = EventBus(transport(), tracer=get_tracer(provider))
    seen: list[Envelope[Any]] = []

    async def record(envelope: Envelope[Any]) -> None:
        seen.append(envelope)

    observer.subscribe("e2e_observer", list(EVENT_TYPES), record)
    await observer.start()
    await publisher_bus.connect()
    engines = [
        create_engine(database_urls[name]) for name in ("drift_detector", "governance", "lineage_writer")
    ]
    async with (
        S3ObjectStore.connect(endpoint_url=moto_endpoint) as objects,
        connect_registry(settings) as runner,
        RegistryApi(urls["registry"], token=tokens["publisher"]) as publisher,
        DriftClient(urls["drift_detector"], token=tokens["publisher"]) as drift,
        GovernanceClient(urls["governance"], token=tokens["approver"]) as governance,
    ):
        await objects.ensure_bucket("warehouse")
        drift_engine, governance_engine, lineage_engine = engines
        yield ProcessStack(
            workdir=workdir,
            tag=tag,
            spans=spans,
            database_urls=dict(database_urls),
            objects=objects,
            runner=runner,
            publisher=publisher,
            drift_engine=drift_engine,
            governance_engine=governance_engine,
            lineage_engine=lineage_engine,
            observer=observer,
            publisher_bus=publisher_bus,
            drift=drift,
            governance=governance,
            urls=dict(urls),
            tokens=dict(tokens),
            seen=seen,
        )
    for engine in engines:
        await engine.dispose()
    await observer.close()
    await publisher_bus.close()
