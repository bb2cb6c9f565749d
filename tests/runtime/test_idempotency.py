"""Idempotency: the processed-event mark commits or rolls back with the effect; the cache is bounded."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.runtime.db import create_engine
from schemaline.runtime.idempotency import RecentIds, record_processed
from schemaline.runtime.migrate import create_all


class SqlContract:
    @pytest.fixture
    async def engine(self) -> AsyncEngine:
        raise NotImplementedError

    async def test_the_mark_reports_duplicates_per_service(self, engine: AsyncEngine) -> None:
        async with engine.begin() as conn:
            assert await record_processed(conn, "lineage", "e-3")
        async with engine.begin() as conn:
            assert not await record_processed(conn, "lineage", "e-3")
            assert await record_processed(conn, "governance", "e-3")

    async def test_a_rolled_back_effect_leaves_the_event_unprocessed(self, engine: AsyncEngine) -> None:
        async def failing_effect() -> None:
            async with engine.begin() as conn:
                await record_processed(conn, "lineage", "e-4")
                raise RuntimeError("the effect failed")

        with pytest.raises(RuntimeError):
            await failing_effect()
        async with engine.begin() as conn:
            assert await record_processed(conn, "lineage", "e-4")


class TestSqlite(SqlContract):
    @pytest.fixture
    async def engine(self, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'processed.db'}")
        await create_all()(engine)
        yield engine
        await engine.dispose()


@pytest.mark.postgres
class TestPostgres(SqlContract):
    @pytest.fixture
    async def engine(self, postgres_url: str) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(postgres_url)
        await create_all()(engine)
        yield engine
        await engine.dispose()


def test_recent_ids_forget_the_oldest_beyond_capacity() -> None:
    recent = RecentIds(capacity=3)
    for event_id in ("a", "b", "c", "d"):
        recent.add(event_id)
    assert "a" not in recent
    assert all(event_id in recent for event_id in ("b", "c", "d"))
    assert len(recent) == 3


def test_seeing_an_id_again_keeps_it_among_the_recent() -> None:
    recent = RecentIds(capacity=2)
    recent.add("a")
    recent.add("b")
    recent.add("a")
    recent.add("c")
    assert "a" in recent
    assert "b" not in recent
