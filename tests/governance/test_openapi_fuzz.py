"""Schemathesis over governance's OpenAPI document: no generated request gets a 5xx."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from schemaline.governance.settings import GovernanceSettings
from schemaline.governance.spec import SPEC
from schemaline.governance.store import create_schema
from schemaline.runtime.db import create_engine
from schemaline.runtime.settings import DatabaseSettings, Role
from tests.governance.events import drift, ledger_events, proposed
from tests.governance.replay_suite import incident
from tests.support.fuzz import fuzz_api
from tests.support.registry import auth_settings, bearer
from tests.support.serving import serving


async def _seed(url: str) -> None:
    engine = create_engine(url)
    await create_schema(engine)
    await ledger_events(engine, [drift(case="dc-7"), proposed("p-fix", covers=("dc-7",)), *incident()])
    await engine.dispose()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fuzz')}/governance.db"
    asyncio.run(_seed(url))
    settings = GovernanceSettings(database=DatabaseSettings(url=SecretStr(url)), auth=auth_settings())
    with serving(SPEC, settings) as base_url:
        yield base_url


@pytest.mark.slow
def test_no_generated_request_gets_a_server_error(live: str) -> None:
    def headers(operation: Any) -> dict[str, str]:
        return bearer(Role.APPROVER)

    assert fuzz_api(live, headers, at_least=9) == []


def test_the_document_names_every_route(live: str) -> None:
    paths = httpx.get(f"{live}/openapi.json").json()["paths"]
    assert set(paths) == {
        "/api/v1/health",
        "/api/v1/whoami",
        "/api/v1/governance/proposals",
        "/api/v1/governance/proposals/{proposal_id}",
        "/api/v1/governance/proposals/{proposal_id}/approve",
        "/api/v1/governance/proposals/{proposal_id}/reject",
        "/api/v1/governance/cases",
        "/api/v1/governance/violations",
        "/api/v1/ledger/verify",
        "/api/v1/ledger/replay",
        "/api/v1/dlq",
        "/api/v1/dlq/{message_id}",
        "/api/v1/dlq/redrive",
    }
