"""The validator binds each batch to its stage contract, read through the SDK's cached resolver:
a declared FQID outside the contract is PIPE-1104; a registry that is down does not stop verdicts
while the cache is warm, and is PIPE-1001 when it is cold."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from schemaline.contracts import PipeCode, PipelineFailed, PipelineId, SchemaValidated
from schemaline.pipelines.seed import seed_contracts
from schemaline.runtime.service import start
from schemaline.sdk.registry_settings import RegistryClientSettings, connect_registry
from schemaline.sdk.resolver import CachePolicy
from schemaline.validator.registry_catalog import RegistryCatalog
from schemaline.validator.spec import SPEC
from tests.support.invoices import GDP_INVOICE_V1_1, invoice, jsonl

from .conftest import V11, VERDICTS, Stack, open_parts, service_on
from .test_validator import URI

CONTRACT = seed_contracts()[PipelineId("finance_gdp_transform")]  # pins finance.gdp.invoice:v1.1


@dataclass
class FakeRegistry:
    """The registry's fetch and contracts endpoints, which can go down (503) on demand."""

    down: bool = False
    contract_calls: int = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            return httpx.Response(503, json={"message": "down"})
        if request.url.path == "/api/v1/schema/fetch":
            return httpx.Response(
                200,
                json={
                    "fqid": str(V11),
                    "fingerprint": "f" * 64,
                    "schema": GDP_INVOICE_V1_1,
                    "deprecated": False,
                },
            )
        if request.url.path == "/api/v1/contracts/finance_gdp_transform/gdp":
            self.contract_calls += 1
            return httpx.Response(200, json={"contract": json.loads(CONTRACT.model_dump_json())})
        return httpx.Response(404, json={"message": "not found"})


@contextlib.asynccontextmanager
async def validator(tmp_path: Path, registry: FakeRegistry) -> AsyncIterator[Stack]:
    # Answers expire at once, so every batch asks the registry again: what stands in when it is
    # down is the cache's stale copy (stale-if-error), not a fresh hit.
    policy = CachePolicy(ttl_s=0.01, refresh_ahead_s=0, max_stale_s=300, error_backoff_s=0)
    settings = RegistryClientSettings(url="http://registry.test", cache=policy)
    async with (
        connect_registry(settings, transport=httpx.MockTransport(registry.handle)) as clients,
        open_parts(None, tmp_path) as (bus, objects),
    ):
        catalog = RegistryCatalog(clients.resolver, clients.contracts)
        stack = Stack(bus, objects, catalog)  # type: ignore[arg-type]

        async def record(envelope: Any) -> None:
            stack.verdicts.append(envelope)

        bus.subscribe("ops", VERDICTS, record)
        await bus.start()
        async with start(SPEC, **service_on(None, bus), catalog=catalog, objects=objects):
            yield stack
        await bus.close()


async def test_a_declared_fqid_outside_the_contract_is_pipe_1104(tmp_path: Path) -> None:
    async with validator(tmp_path, FakeRegistry()) as stack:
        verdict = await stack.land(
            URI, jsonl(invoice(n) for n in range(3)), declared_fqid="finance.gdp.invoice:v1.0"
        )
    event = verdict.detail
    assert isinstance(event, PipelineFailed)
    assert event.code is PipeCode.OUTSIDE_CONTRACT
    assert "declares finance.gdp.invoice:v1.0" in event.message
    assert "schema_selector finance.gdp.invoice:v1.1" in event.message


async def test_registry_down_with_a_warm_cache_gives_a_normal_verdict(tmp_path: Path) -> None:
    registry = FakeRegistry()
    async with validator(tmp_path, registry) as stack:
        first = await stack.land(URI, jsonl(invoice(n) for n in range(3)), run="jr-1")
        assert isinstance(first.detail, SchemaValidated)
        registry.down = True
        await asyncio.sleep(0.05)  # every cached answer has expired
        second = await stack.land(URI, jsonl(invoice(n) for n in range(5)), run="jr-2")
    assert registry.contract_calls == 1
    event = second.detail
    assert isinstance(event, SchemaValidated), event
    assert (event.schema_fqid, event.valid_count) == (V11, 5)


async def test_registry_down_with_a_cold_cache_is_pipe_1001(tmp_path: Path) -> None:
    async with validator(tmp_path, FakeRegistry(down=True)) as stack:
        verdict = await stack.land(URI, jsonl(invoice(n) for n in range(3)))
    event = verdict.detail
    assert isinstance(event, PipelineFailed)
    assert event.code is PipeCode.SCHEMA_FETCH_TIMEOUT
