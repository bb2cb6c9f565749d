"""Every service as its own process, started the way production starts it (`python -m …` with its
settings in the environment), on RabbitMQ, PostgreSQL and a moto server's S3."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.contracts import EVENT_TYPES, Envelope, SchemaContract, Subject
from schemaline.governance.approvals import decide, token_hash
from schemaline.runtime.bus import EventBus, RabbitMQTransport
from schemaline.runtime.db import create_engine
from schemaline.runtime.objectstore import S3ObjectStore
from schemaline.runtime.outbox import OutboxRelay
from schemaline.runtime.settings import OutboxSettings
from schemaline.runtime.telemetry import JsonLinesSpanExporter, get_tracer, setup_tracing
from schemaline.sdk.registry_api import RegistryApi
from schemaline.sdk.registry_settings import RegistryClients, RegistryClientSettings, connect_registry
from tests.support.moto_server import DUMMY_AWS_ENV
from tests.support.postgres import ADMIN_DSN
from tests.support.rabbitmq import AMQP_URL

SERVICES = {
    "registry": "SCHEMALINE_REGISTRY_",
    "validator": "SCHEMALINE_VALIDATOR_",
    "drift_detector": "SCHEMALINE_DRIFT_",
    "lineage_writer": "SCHEMALINE_LINEAGE_",
    "governance": "SCHEMALINE_GOVERNANCE_",
}
APPROVER = "e2e-approver"


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

    async def approve(self, proposal_id: str, reason: str) -> Envelope[Any]:
        relay = OutboxRelay(self.governance_engine, self.publisher_bus, OutboxSettings())
        envelope = await decide(
            self.governance_engine,
            relay,
            proposal_id,
            approve=True,
            approver=APPROVER,
            reason=reason,
        )
        await relay.drain()  # the governance process's relay may send it first; either is fine
        await self._until(lambda e: e.detail_type == "DriftResolved")
        await self.settle()
        return envelope

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


async def _migrate(workdir: Path, envs: dict[str, dict[str, str]]) -> None:
    """Once per deploy, before the services start, what the migration Job does: `… migrate`."""
    with contextlib.ExitStack() as files:
        migrations = {
            service: await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                f"schemaline.{service}",
                "migrate",
                env=env,
                stdout=files.enter_context((workdir / f"{service}.log").open("wb")),
                stderr=subprocess.STDOUT,
            )
            for service, env in envs.items()
        }
        failed = [service for service, migration in migrations.items() if await migration.wait() != 0]
    if failed:
        logs = {service: (workdir / f"{service}.log").read_text()[-3000:] for service in failed}
        raise RuntimeError(f"migrate failed: {logs}")


def _env(prefix: str, values: dict[str, str]) -> dict[str, str]:
    return {prefix + key: value for key, value in values.items()}


@contextlib.asynccontextmanager
async def process_stack(workdir: Path, moto_endpoint: str) -> AsyncIterator[ProcessStack]:
    tag = uuid.uuid4().hex[:8]
    urls = await _create_databases(tag)
    tokens = {role: secrets.token_urlsafe(24) for role in ("runner", "publisher", "approver")}
    registry_port = free_port()
    registry_url = f"http://127.0.0.1:{registry_port}"
    spans = workdir / "spans.jsonl"
    base = os.environ | DUMMY_AWS_ENV
    processes: dict[str, subprocess.Popen[bytes]] = {}
    logs: list[Any] = []
    envs: dict[str, dict[str, str]] = {}
    for service, prefix in SERVICES.items():
        common = {
            "BUS__TRANSPORT": "rabbitmq",
            "BUS__AMQP_URL": AMQP_URL,
            "BUS__EXCHANGE": f"e2e.{tag}.events",
            "BUS__QUEUE_PREFIX": f"e2e.{tag}",
            "BUS__QUEUE_EXPIRES_S": "300",
            "BUS__RETRY_BACKOFF_S": "0.05",
            "DATABASE__URL": urls[service],
            "OBJECTS__KIND": "s3",
            "OBJECTS__ENDPOINT_URL": moto_endpoint,
            "TELEMETRY__EXPORTER": "jsonl",
            "TELEMETRY__JSONL_PATH": str(spans),
            "REGISTRY__URL": registry_url,
            "REGISTRY__TOKEN": tokens["runner"],
            "HEALTH__HEARTBEAT_PATH": str(workdir / f"{service}.heartbeat"),
            "HEALTH__INTERVAL_S": "0.2",
        }
        own = {
            "registry": {
                "HTTP__PORT": str(registry_port),
                "OUTBOX__POLL_INTERVAL_S": "0.1",
                "AUTH__TOKENS": json.dumps(
                    [{"name": f"e2e-{role}", "role": role, "token": token} for role, token in tokens.items()]
                ),
            },
            "governance": {"APPROVERS": json.dumps({APPROVER: token_hash(tokens["approver"])})},
        }.get(service, {})
        envs[service] = base | _env(prefix, common | own)
    await _migrate(workdir, envs)
    for service, env in envs.items():
        log = (workdir / f"{service}.log").open("ab")
        logs.append(log)
        processes[service] = subprocess.Popen(  # noqa: ASYNC220 - starting, not waiting
            [sys.executable, "-m", f"schemaline.{service}"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        async with httpx.AsyncClient(base_url=registry_url) as probe, asyncio.timeout(90):
            # Ready: the registry answers, and every service's heartbeat says its consumers run.
            while True:
                with contextlib.suppress(httpx.TransportError):
                    beating = all((workdir / f"{name}.heartbeat").exists() for name in SERVICES)
                    if beating and (await probe.get("/api/v1/ready")).status_code == 200:
                        break
                for name, process in processes.items():
                    if process.poll() is not None:
                        raise RuntimeError(f"{name} exited: {(workdir / f'{name}.log').read_text()[-3000:]}")
                await asyncio.sleep(0.1)
        settings = RegistryClientSettings(url=registry_url, token=SecretStr(tokens["runner"]))
        observer = EventBus(
            RabbitMQTransport(AMQP_URL, exchange=f"e2e.{tag}.events", queue_prefix=f"e2e.{tag}")
        )
        # The pipeline stages publish from this process: their spans go to the same file.
        provider = setup_tracing("pipelines", JsonLinesSpanExporter(str(spans)), batch=False)
        publisher_bus = EventBus(
            RabbitMQTransport(AMQP_URL, exchange=f"e2e.{tag}.events", queue_prefix=f"e2e.{tag}"),
            tracer=get_tracer(provider),
        )
        seen: list[Envelope[Any]] = []

        async def record(envelope: Envelope[Any]) -> None:
            seen.append(envelope)

        observer.subscribe("e2e_observer", list(EVENT_TYPES), record)
        await observer.start()
        await publisher_bus.connect()
        engines = [create_engine(urls[name]) for name in ("drift_detector", "governance", "lineage_writer")]
        async with (
            S3ObjectStore.connect(endpoint_url=moto_endpoint) as objects,
            connect_registry(settings) as runner,
            RegistryApi(registry_url, token=tokens["publisher"]) as publisher,
        ):
            await objects.ensure_bucket("warehouse")
            drift_engine, governance_engine, lineage_engine = engines
            yield ProcessStack(
                workdir=workdir,
                tag=tag,
                spans=spans,
                database_urls=urls,
                objects=objects,
                runner=runner,
                publisher=publisher,
                drift_engine=drift_engine,
                governance_engine=governance_engine,
                lineage_engine=lineage_engine,
                observer=observer,
                publisher_bus=publisher_bus,
                seen=seen,
            )
        for engine in engines:
            await engine.dispose()
        await observer.close()
        await publisher_bus.close()
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
        await _drop_databases(urls)
