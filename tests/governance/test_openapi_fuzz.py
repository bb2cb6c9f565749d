"""Schemathesis over governance's OpenAPI document: no generated request gets a 5xx."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from schemaline.governance.api import create_app
from schemaline.governance.store import create_schema
from schemaline.runtime.bus import EventBus, InMemoryTransport
from schemaline.runtime.db import create_engine
from schemaline.runtime.settings import Role
from tests.governance.events import drift, proposed
from tests.governance.replay_suite import incident, ledger_events
from tests.support.api import tokens
from tests.support.fuzz import fuzz_api
from tests.support.registry import bearer, serving


async def _seed(url: str) -> None:
    engine = create_engine(url)
    await create_schema(engine)
    await ledger_events(engine, [drift(case="dc-7"), proposed("p-fix", covers=("dc-7",)), *incident()])
    await engine.dispose()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fuzz')}/governance.db"
    asyncio.run(_seed(url))
    # The engine is first used by the server's own loop, in its thread.
    app = create_app(engine=create_engine(url), publisher=EventBus(InMemoryTransport()), tokens=tokens())
    with serving(app) as base_url:
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
        "/api/v1/governance/proposals",
        "/api/v1/governance/proposals/{proposal_id}",
        "/api/v1/governance/proposals/{proposal_id}/approve",
        "/api/v1/governance/proposals/{proposal_id}/reject",
        "/api/v1/governance/cases",
        "/api/v1/governance/violations",
        "/api/v1/ledger/verify",
        "/api/v1/ledger/replay",
    }
