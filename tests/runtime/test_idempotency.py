from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.runtime.db import create_engine
from schemaline.runtime.idempotency import (
    InMemoryProcessedEvents,
    ProcessedEvents,
    SqlProcessedEvents,
    record_processed,
)


class ProcessedEventsContract:
    @pytest.fixture
    async def store(self) -> ProcessedEvents:
        raise NotImplementedError

    async def test_remembers_per_service(self, store: ProcessedEvents) -> None:
        assert not await store.seen("lineage", "e-1")
        await store.mark("lineage", "e-1")
        assert await store.seen("lineage", "e-1")
        assert not await store.seen("governance", "e-1")

    async def test_marking_twice_is_harmless(self, store: ProcessedEvents) -> None:
        await store.mark("lineage", "e-2")
        await store.mark("lineage", "e-2")
        assert await store.seen("lineage", "e-2")


class TestInMemory(ProcessedEventsContract):
    @pytest.fixture
    async def store(self) -> ProcessedEvents:
        return InMemoryProcessedEvents()


class SqlContract(ProcessedEventsContract):
    @pytest.fixture
    async def engine(self) -> AsyncEngine:
        raise NotImplementedError

    @pytest.fixture
    async def store(self, engine: AsyncEngine) -> ProcessedEvents:
        store = SqlProcessedEvents(engine)
        await store.create_schema()
        return store

    async def test_record_in_the_effects_transaction_reports_duplicates(
        self, engine: AsyncEngine, store: ProcessedEvents
    ) -> None:
        async with engine.begin() as conn:
            assert await record_processed(conn, "lineage", "e-3")
        async with engine.begin() as conn:
            assert not await record_processed(conn, "lineage", "e-3")

    async def test_a_rolled_back_effect_leaves_the_event_unprocessed(
        self, engine: AsyncEngine, store: ProcessedEvents
    ) -> None:
        async def failing_effect() -> None:
            async with engine.begin() as conn:
                await record_processed(conn, "lineage", "e-4")
                raise RuntimeError("the effect failed")

        with pytest.raises(RuntimeError):
            await failing_effect()
        assert not await store.seen("lineage", "e-4")


class TestSqlite(SqlContract):
    @pytest.fixture
    async def engine(self, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'processed.db'}")
        yield engine
        await engine.dispose()


@pytest.mark.postgres
class TestPostgres(SqlContract):
    @pytest.fixture
    async def engine(self, postgres_url: str) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(postgres_url)
        yield engine
        await engine.dispose()
