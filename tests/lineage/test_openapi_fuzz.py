"""Schemathesis over the lineage API's OpenAPI document: no generated request gets a 5xx."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from schemaline.lineage_writer.rows import to_rows
from schemaline.lineage_writer.settings import LineageSettings
from schemaline.lineage_writer.spec import SPEC
from schemaline.lineage_writer.sql_store import SqlLineageSink, create_schema
from schemaline.runtime.db import create_engine
from schemaline.runtime.settings import DatabaseSettings, Role
from tests.lineage import example_a as ex
from tests.support.fuzz import fuzz_api
from tests.support.registry import auth_settings, bearer
from tests.support.serving import serving


async def _seed(url: str) -> None:
    engine = create_engine(url)
    await create_schema(engine)
    await SqlLineageSink(engine).insert_batch([to_rows(e) for e in ex.example_a() + ex.drift_and_rerun()])
    await engine.dispose()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fuzz')}/lineage.db"
    asyncio.run(_seed(url))
    settings = LineageSettings(database=DatabaseSettings(url=SecretStr(url)), auth=auth_settings())
    with serving(SPEC, settings) as base_url:
        yield base_url


@pytest.mark.slow
def test_no_generated_request_gets_a_server_error(live: str) -> None:
    def headers(operation: Any) -> dict[str, str]:
        return bearer(Role.PUBLISHER)

    assert fuzz_api(live, headers, at_least=7) == []
