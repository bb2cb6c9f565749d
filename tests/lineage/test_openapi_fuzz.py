"""Schemathesis over the lineage API's OpenAPI document: no generated request gets a 5xx."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from schemaline.lineage_writer.api import create_app
from schemaline.lineage_writer.openlineage import RunEventBuilder
from schemaline.lineage_writer.rows import to_rows
from schemaline.lineage_writer.sql_store import SqlLineageReader, SqlLineageSink, create_schema
from schemaline.runtime.bus import EventBus, InMemoryTransport
from schemaline.runtime.db import create_engine
from schemaline.runtime.settings import Role
from tests.lineage import example_a as ex
from tests.support.api import tokens
from tests.support.fuzz import fuzz_api
from tests.support.registry import bearer, serving


async def _seed(url: str) -> None:
    engine = create_engine(url)
    await create_schema(engine)
    await SqlLineageSink(engine).insert_batch([to_rows(e) for e in ex.example_a() + ex.drift_and_rerun()])
    await engine.dispose()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fuzz')}/lineage.db"
    asyncio.run(_seed(url))
    app = create_app(
        reader=SqlLineageReader(create_engine(url)),
        builder=RunEventBuilder(namespace="schemaline", producer="https://schemaline.dev/lw"),
        tokens=tokens(),
        bus=EventBus(InMemoryTransport()),
    )
    with serving(app) as base_url:
        yield base_url


@pytest.mark.slow
def test_no_generated_request_gets_a_server_error(live: str) -> None:
    def headers(operation: Any) -> dict[str, str]:
        return bearer(Role.PUBLISHER)

    assert fuzz_api(live, headers, at_least=7) == []
