"""Schemathesis over the drift detector's OpenAPI document: no generated request gets a 5xx."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from schemaline.drift_detector.api import create_app
from schemaline.drift_detector.tables import metadata
from schemaline.runtime.db import create_engine
from schemaline.runtime.objectstore import LocalFolderStore
from schemaline.runtime.settings import Role
from tests.support.api import tokens
from tests.support.fuzz import fuzz_api
from tests.support.registry import bearer, serving


async def _tables(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await engine.dispose()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite+aiosqlite:///{folder}/drift.db"
    asyncio.run(_tables(url))
    app = create_app(
        engine=create_engine(url),
        objects=LocalFolderStore(folder / "objects"),
        registry_url="http://127.0.0.1:9",
        tokens=tokens(),
    )
    with serving(app) as base_url:
        yield base_url


@pytest.mark.slow
def test_no_generated_request_gets_a_server_error(live: str) -> None:
    def headers(operation: Any) -> dict[str, str]:
        return bearer(Role.PUBLISHER)

    assert fuzz_api(live, headers, at_least=5) == []
