"""The resolver's HTTP clients against the real registry app, and against registries that fail."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from schemaline.contracts import PipeCode, SchemaPublished
from schemaline.registry.settings import RegistrySettings
from schemaline.registry.spec import SPEC
from schemaline.runtime.bus import InMemoryTransport, build_bus
from schemaline.runtime.settings import BusSettings, DatabaseSettings, Role
from schemaline.sdk.registry_api import RegistryApi, RegistryApiError
from schemaline.sdk.resolver import (
    AsyncRegistryClient,
    AsyncSchemaResolver,
    RegistryRequestError,
    SchemaFetchError,
    SchemaNotFoundError,
    SchemaResolver,
    SyncRegistryClient,
)
from tests.support.aio import eventually
from tests.support.registry import (
    TOKENS,
    Harness,
    auth_settings,
    invoice,
    running_registry,
    toy_check,
)
from tests.support.serving import serving

LATEST = "finance.gdp.invoice:latest"


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[tuple[Harness, InMemoryTransport]]:
    transport = InMemoryTransport()
    async with running_registry(f"sqlite+aiosqlite:///{tmp_path}/sdk.db", transport=transport) as harness:
        await harness.publish(invoice())
        yield harness, transport


def asgi_client(harness: Harness, role: Role = Role.RUNNER, token: str | None = None) -> AsyncRegistryClient:
    return AsyncRegistryClient(
        "http://registry",
        token=token or TOKENS[role],
        transport=httpx.ASGITransport(app=harness.service.app),
    )


async def test_async_client_fetches_revalidates_and_maps_errors(
    live: tuple[Harness, InMemoryTransport],
) -> None:
    harness, _ = live
    async with asgi_client(harness) as client:
        resolved = await client.fetch(LATEST)
        assert resolved is not None
        assert str(resolved.fqid) == "finance.gdp.invoice:v1.0"
        assert resolved.schema == invoice()
        assert resolved.etag is not None
        assert await client.fetch(LATEST, etag=resolved.etag) is None  # 304
        with pytest.raises(SchemaNotFoundError):
            await client.fetch("finance.gdp.invoice:^4")
    async with asgi_client(harness, token="wrong-token-0123456789") as client:
        with pytest.raises(RegistryRequestError) as refused:
            await client.fetch(LATEST)
        assert refused.value.status == 401


async def test_resolver_follows_publications_seen_on_the_bus(live: tuple[Harness, InMemoryTransport]) -> None:
    harness, transport = live
    async with asgi_client(harness) as client:
        resolver = AsyncSchemaResolver(client)
        validator = build_bus(BusSettings(), transport=transport)
        validator.subscribe("validator", [SchemaPublished.DETAIL_TYPE], resolver.on_schema_published)
        await validator.start()
        try:
            run = resolver.pin()
            assert str((await run.resolve(LATEST)).fqid) == "finance.gdp.invoice:v1.0"
            await harness.publish(invoice(note="string"))
            await eventually(lambda: len(resolver.cache) == 0, what="invalidation by SchemaPublished")
            assert str((await resolver.resolve(LATEST)).fqid) == "finance.gdp.invoice:v1.1"
            assert str((await run.resolve(LATEST)).fqid) == "finance.gdp.invoice:v1.0"  # pinned
        finally:
            await validator.close()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens once the socket is closed


async def test_async_timeouts_and_refused_connections_are_pipe_1001(silent_port: int) -> None:
    for port in (silent_port, closed_port()):
        async with AsyncRegistryClient(f"http://127.0.0.1:{port}", token="t" * 20, timeout_s=0.2) as client:
            with pytest.raises(SchemaFetchError) as raised:
                await asyncio.wait_for(client.fetch(LATEST), 5)
        assert raised.value.code is PipeCode.SCHEMA_FETCH_TIMEOUT


def test_sync_timeouts_and_refused_connections_are_pipe_1001(silent_port: int) -> None:
    for port in (silent_port, closed_port()):
        with (
            SyncRegistryClient(f"http://127.0.0.1:{port}", token="t" * 20, timeout_s=0.2) as client,
            pytest.raises(SchemaFetchError) as raised,
        ):
            client.fetch(LATEST)
        assert raised.value.code is PipeCode.SCHEMA_FETCH_TIMEOUT


def test_sync_resolver_over_http(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/sync.db"

    async def seed() -> None:
        async with running_registry(url) as harness:
            await harness.publish(invoice())

    asyncio.run(seed())
    settings = RegistrySettings(database=DatabaseSettings(url=SecretStr(url)), auth=auth_settings())
    with (
        serving(SPEC, settings, checker=toy_check) as base_url,
        SyncRegistryClient(base_url, token=TOKENS[Role.RUNNER]) as client,
    ):
        resolver = SchemaResolver(client)
        first = resolver.resolve(LATEST)
        assert str(first.fqid) == "finance.gdp.invoice:v1.0"
        assert resolver.resolve(LATEST) is first
        assert resolver.fetches == 1
        with pytest.raises(SchemaNotFoundError):
            resolver.resolve("finance.gdp.invoice:^3")


async def test_registry_api_reads_a_proposal_and_its_changes(live: tuple[Harness, InMemoryTransport]) -> None:
    harness, _ = live
    app = httpx.ASGITransport(app=harness.service.app)
    changed = invoice()
    changed["properties"]["note"] = {"type": "string"}
    async with RegistryApi("http://registry", token=TOKENS[Role.PUBLISHER], transport=app) as publisher:
        proposed = await publisher.propose("finance.gdp.invoice", changed)
    async with RegistryApi("http://registry", token=TOKENS[Role.RUNNER], transport=app) as runner:
        read = await runner.proposal(proposed["proposal"]["id"])
        assert (read["proposed_fqid"], read["state"]) == ("finance.gdp.invoice:v1.1", "pending")
        assert read["changes"], "the compatibility report comes with the proposal"
        with pytest.raises(RegistryApiError) as missing:
            await runner.proposal("no-such-proposal")
        assert missing.value.status == 404
