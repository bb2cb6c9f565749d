"""Schemathesis over the registry's own OpenAPI document: no generated request gets a 5xx."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from schemaline.registry.settings import RegistrySettings
from schemaline.registry.spec import SPEC
from schemaline.runtime.settings import DatabaseSettings, Role
from schemaline.sdk import compat
from tests.support.fuzz import fuzz_api
from tests.support.registry import auth_settings, bearer, invoice, running_registry, toy_check
from tests.support.serving import serving


async def _seed(url: str) -> None:
    """Published versions and a contract, so generated requests also reach the found-it paths.

    Seeded with the stand-in engine whichever engine is fuzzed: only the data matters here."""
    async with running_registry(url) as registry:
        await registry.publish(invoice())
        await registry.publish(invoice(note="string"))
        await registry.client.put(
            "/api/v1/contracts/finance_gdp_transform/gdp",
            headers=bearer(Role.PUBLISHER),
            json={
                "pipeline_id": "finance_gdp_transform",
                "layer": "gdp",
                "component": "glue",
                "schema_selector": "finance.gdp.invoice:^1",
                "integration_mode": "pre_job",
                "validation_timing": "structural",
            },
        )


@pytest.fixture(scope="module", params=["toy-engine", "compat-engine"])
def live_registry(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The registry on loopback: with the stand-in engine, and with the real compatibility engine."""
    checker = toy_check if request.param == "toy-engine" else compat.check
    folder: Path = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite+aiosqlite:///{folder}/registry.db"
    asyncio.run(_seed(url))
    settings = RegistrySettings(database=DatabaseSettings(url=SecretStr(url)), auth=auth_settings())
    with serving(SPEC, settings, checker=checker) as base_url:
        yield base_url


@pytest.mark.slow
def test_no_generated_request_gets_a_server_error(live_registry: str) -> None:
    def headers(operation: Any) -> dict[str, str]:
        return bearer(Role.APPROVER if operation.path.endswith("/deprecated") else Role.PUBLISHER)

    assert fuzz_api(live_registry, headers, at_least=15) == []
