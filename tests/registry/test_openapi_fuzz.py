"""Schemathesis over the registry's own OpenAPI document: no generated request gets a 5xx."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from pydantic import SecretStr
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from schemaline.registry.settings import RegistrySettings, Role
from schemaline.registry.spec import SPEC
from schemaline.runtime.settings import DatabaseSettings
from schemaline.sdk import compat
from tests.support.registry import auth_settings, bearer, invoice, running_registry, toy_check
from tests.support.serving import serving

EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 15}


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


def fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str], base_url: str) -> list[str]:
    """Run one operation's generated cases; return the ones answered with a 5xx."""
    failures: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case[Any]) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=10)
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text}")

    try:
        run()
    except Unsatisfiable:
        # Nothing to make invalid (no parameters, no body): only positive cases exist.
        assert mode is GenerationMode.NEGATIVE, operation.label
    return failures


@pytest.mark.slow
def test_no_generated_request_gets_a_server_error(live_registry: str) -> None:
    schema = schemathesis.openapi.from_url(f"{live_registry}/openapi.json")
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"invalid operation in the OpenAPI document: {result.err()}"
        operations.append(result.ok())
    assert len(operations) >= 15
    failures = []
    for operation in operations:
        role = Role.APPROVER if operation.path.endswith("/deprecated") else Role.PUBLISHER
        for mode in EXAMPLES:
            failures += fuzz(operation, mode, bearer(role), live_registry)
    assert failures == []
