"""Migrators racing on an empty PostgreSQL database (two pods of a first deploy, a Job beside a
Deployment): every one succeeds and the schema is the one a lone migrator makes, for every service."""

from __future__ import annotations

import asyncio
import importlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from schemaline.runtime.db import create_engine
from schemaline.runtime.service import ServiceSpec, migrate
from tests.support.postgres import ADMIN_DSN

pytestmark = pytest.mark.postgres

SERVICES = ["registry", "validator", "drift_detector", "lineage_writer", "governance", "alerts"]
MIGRATORS = 4


def spec_of(service: str) -> ServiceSpec[Any, Any]:
    spec: ServiceSpec[Any, Any] = importlib.import_module(f"schemaline.{service}.spec").SPEC
    return spec


async def schema_of(database: str) -> list[tuple[Any, ...]]:
    """Tables, columns (type, nullability, default), constraints and indexes of `public`."""
    conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}")
    try:
        columns = await conn.fetch(
            "SELECT table_name, column_name, data_type, is_nullable, column_default"
            " FROM information_schema.columns WHERE table_schema = 'public'"
        )
        constraints = await conn.fetch(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE connamespace = 'public'::regnamespace"
        )
        indexes = await conn.fetch(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        )
    finally:
        await conn.close()
    return sorted(tuple(row) for row in [*columns, *constraints, *indexes])


async def migrated_by(spec: ServiceSpec[Any, Any], database: str, migrators: int) -> None:
    """`migrators` migrations at once, each on its own engine (its own connections), as processes do."""
    engines = [
        create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}", **spec.engine_options)
        for _ in range(migrators)
    ]
    try:
        await asyncio.gather(*(migrate(spec, engine) for engine in engines))
    finally:
        for engine in engines:
            await engine.dispose()


@pytest.fixture
async def databases() -> AsyncIterator[tuple[str, str]]:
    names = (f"test_race_{uuid.uuid4().hex[:10]}", f"test_lone_{uuid.uuid4().hex[:10]}")
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        for name in names:
            await admin.execute(f'CREATE DATABASE "{name}"')
        yield names
    finally:
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.mark.parametrize("service", SERVICES)
async def test_concurrent_migrators_all_succeed_with_the_schema_one_makes(
    service: str, databases: tuple[str, str]
) -> None:
    spec = spec_of(service)
    assert spec.stateful
    raced, lone = databases
    await migrated_by(spec, raced, MIGRATORS)
    await migrated_by(spec, lone, 1)
    schema = await schema_of(raced)
    assert {row[0] for row in schema} >= spec.table_names()
    assert schema == await schema_of(lone)
    await migrated_by(spec, raced, MIGRATORS)  # a second deploy finds the schema current
    assert await schema_of(raced) == schema


def test_every_service_that_keeps_tables_is_raced() -> None:
    services = [
        "registry",
        "validator",
        "drift_detector",
        "lineage_writer",
        "governance",
        "alerts",
        "console",
    ]
    assert [s for s in services if spec_of(s).stateful] == SERVICES
