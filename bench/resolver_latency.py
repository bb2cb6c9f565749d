"""Schema Resolver latency: a cached resolve vs a cold fetch over HTTP on loopback, against the
registry running as its own process (`python -m schemaline.registry`) on PostgreSQL.

Usage: uv run python bench/resolver_latency.py [--quick]
Last line: {"cached_p50_us": …, "cached_p95_us": …, "cold_p50_ms": …, "cold_p95_ms": …, "cold_p99_ms": …}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import uuid
from typing import Any

import asyncpg
import httpx
from pydantic import SecretStr

from schemaline.contracts import ProposalId, SchemaApproved, Subject, new_envelope
from schemaline.registry.service import Registry
from schemaline.registry.settings import AuthSettings, RegistrySettings, Role, TokenGrant
from schemaline.registry.spec import SPEC
from schemaline.runtime.bus import InMemoryTransport, build_bus
from schemaline.runtime.logging import configure_logging
from schemaline.runtime.service import start
from schemaline.runtime.settings import BusSettings, DatabaseSettings, LogSettings, OutboxSettings
from schemaline.sdk.resolver import AsyncRegistryClient, AsyncSchemaResolver, CachePolicy

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SUBJECTS = 20
VERSIONS = 3  # per subject: v1.0, v1.1, v1.2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def schema(version: int) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "invoice_id": {"type": "string"},
        "amount": {"type": "number", "minimum": 0},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "issued_at": {"type": "string", "format": "date-time"},
    }
    properties.update({f"extra_{n}": {"type": "string"} for n in range(version)})
    # A closed content model: adding an optional property is a compatible (minor) change.
    return {
        "type": "object",
        "properties": properties,
        "required": ["invoice_id", "amount"],
        "additionalProperties": False,
    }


async def published(registry: Registry, subject: Subject) -> int:
    async with registry.repo.transaction() as tx:
        return len(await tx.versions(subject))


async def seed(url: str, token: str) -> list[str]:
    """Publish SUBJECTS × VERSIONS versions through the real flow: propose over HTTP, approve by event."""
    transport = InMemoryTransport()
    settings = RegistrySettings(
        database=DatabaseSettings(url=SecretStr(url), migrate_on_start=True),
        auth=AuthSettings(tokens=[TokenGrant(name="bench", role=Role.PUBLISHER, token=SecretStr(token))]),
        outbox=OutboxSettings(poll_interval_s=0.05),
        log=LogSettings(level="WARNING"),
    )
    governance = build_bus(BusSettings(), transport=transport)
    async with start(SPEC, settings, transport=transport) as service:
        app = httpx.ASGITransport(app=service.app)
        async with httpx.AsyncClient(transport=app, base_url="http://registry") as client:
            for n in range(SUBJECTS):
                subject = Subject.parse(f"finance.gdp.invoice_{n:02d}")
                for version in range(VERSIONS):
                    response = await client.post(
                        f"/api/v1/subjects/{subject}/versions",
                        json={"schema": schema(version)},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    response.raise_for_status()
                    proposal = response.json()["proposal"]
                    approval = SchemaApproved(
                        proposal_id=ProposalId(proposal["id"]),
                        subject=subject,
                        proposed_fqid=proposal["proposed_fqid"],
                        approved_by="bench",
                        reason="bench seed",
                    )
                    await governance.publish(new_envelope(approval, source="governance"))
                    while await published(service.deps, subject) <= version:  # noqa: ASYNC110 - polls the database
                        await asyncio.sleep(0.005)
    return [
        f"finance.gdp.invoice_{n:02d}:{spec}"
        for n in range(SUBJECTS)
        for spec in ("latest", "^1", *(f"v1.{m}" for m in range(VERSIONS)))
    ]


def start_registry(url: str, port: int, token: str) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "SCHEMALINE_REGISTRY_DATABASE__URL": url,
        "SCHEMALINE_REGISTRY_PORT": str(port),
        "SCHEMALINE_REGISTRY_LOG__LEVEL": "WARNING",
        "SCHEMALINE_REGISTRY_AUTH__TOKENS": json.dumps([{"name": "bench", "role": "runner", "token": token}]),
    }
    return subprocess.Popen([sys.executable, "-m", "schemaline.registry"], env=env)


async def wait_ready(base_url: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        for _ in range(300):
            if process.poll() is not None:
                raise RuntimeError(f"registry exited with {process.returncode}")
            try:
                if (await client.get("/api/v1/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError("registry not ready after 15 s")


async def measure(
    base_url: str, token: str, selectors: list[str], cold_n: int, cached_n: int
) -> dict[str, float]:
    async with AsyncRegistryClient(base_url, token=token) as client:
        resolver = AsyncSchemaResolver(client, CachePolicy(ttl_s=3600, max_entries=10_000))
        for selector in selectors[:20]:  # warm the connection and the server's code paths
            await client.fetch(selector)
        cold: list[float] = []
        for n in range(cold_n):
            resolver.cache.clear()  # every resolve misses and goes to the registry
            started = time.perf_counter()
            await resolver.resolve(selectors[n % len(selectors)])
            cold.append((time.perf_counter() - started) * 1000.0)
        for selector in selectors:
            await resolver.resolve(selector)
        fetches = resolver.fetches
        cached: list[float] = []
        clock = time.perf_counter_ns
        for n in range(cached_n):
            selector = selectors[n % len(selectors)]
            started_ns = clock()
            await resolver.resolve(selector)
            cached.append((clock() - started_ns) / 1000.0)
        assert resolver.fetches == fetches, "a cached resolve went to the registry"
    print(
        f"cold  ({cold_n} fetches over HTTP): p50 {percentile(cold, 0.5):.3f} ms  "
        f"p95 {percentile(cold, 0.95):.3f} ms  p99 {percentile(cold, 0.99):.3f} ms  "
        f"mean {statistics.fmean(cold):.3f} ms"
    )
    print(
        f"cached ({cached_n} resolves): p50 {percentile(cached, 0.5):.2f} µs  "
        f"p95 {percentile(cached, 0.95):.2f} µs  p99 {percentile(cached, 0.99):.2f} µs"
    )
    return {
        "cached_p50_us": round(percentile(cached, 0.5), 2),
        "cached_p95_us": round(percentile(cached, 0.95), 2),
        "cold_p50_ms": round(percentile(cold, 0.5), 3),
        "cold_p95_ms": round(percentile(cold, 0.95), 3),
        "cold_p99_ms": round(percentile(cold, 0.99), 3),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer samples; under 30 s")
    args = parser.parse_args()
    configure_logging("WARNING")
    cold_n, cached_n = (1_000, 50_000) if args.quick else (5_000, 500_000)

    database = f"bench_resolver_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{database}"')
    await admin.close()
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}"
    token = secrets.token_urlsafe(24)
    process = None
    try:
        selectors = await seed(url, token)
        print(f"seeded {SUBJECTS} subjects × {VERSIONS} versions in PostgreSQL database {database}")
        port = free_port()
        process = start_registry(url, port, token)
        base_url = f"http://127.0.0.1:{port}"
        await wait_ready(base_url, process)
        figures = await measure(base_url, token, selectors, cold_n, cached_n)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=15)
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
