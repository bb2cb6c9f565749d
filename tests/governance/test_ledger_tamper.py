"""The ledger's hash chain: every alteration, deletion and reordering of rows is detected."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from schemaline.governance import ledger
from schemaline.governance.chain import Verification, entry_hash, verify
from schemaline.governance.store import create_schema
from schemaline.governance.tables import ledger_entries
from schemaline.runtime.db import create_engine
from tests.governance.events import drift, landed, proposed

Tamper = Callable[[AsyncConnection], Awaitable[object]]


EVENTS = [landed("jr-1"), drift("jr-2"), proposed("p-1"), landed("jr-3"), landed("jr-4"), landed("jr-5")]


async def check(engine: AsyncEngine, expect_head: str | None = None) -> Verification:
    entries = [entry async for entry in ledger.read_entries(engine)]
    return verify(entries, head=await ledger.read_head(engine), expect_head=expect_head)


async def _alter_payload(conn: AsyncConnection) -> None:
    row = (await conn.execute(select(ledger_entries.c.payload).where(ledger_entries.c.seq == 3))).one()
    await conn.execute(
        update(ledger_entries)
        .where(ledger_entries.c.seq == 3)
        .values(payload=row.payload.replace('"compatible":true', '"compatible":false'))
    )


async def _alter_and_rehash_one(conn: AsyncConnection) -> None:
    row = (await conn.execute(select(ledger_entries).where(ledger_entries.c.seq == 3))).one()
    payload = row.payload.replace('"compatible":true', '"compatible":false')
    digest = entry_hash(
        seq=3,
        kind=row.kind,
        ref=row.ref,
        detail_type=row.detail_type,
        recorded_at=row.recorded_at,
        payload=payload,
        prev_hash=row.prev_hash,
    )
    await conn.execute(
        update(ledger_entries).where(ledger_entries.c.seq == 3).values(payload=payload, entry_hash=digest)
    )


async def _alter_detail_type(conn: AsyncConnection) -> None:
    await conn.execute(
        update(ledger_entries).where(ledger_entries.c.seq == 2).values(detail_type="DriftResolved")
    )


async def _reformat_payload(conn: AsyncConnection) -> None:
    row = (await conn.execute(select(ledger_entries.c.payload).where(ledger_entries.c.seq == 5))).one()
    await conn.execute(
        update(ledger_entries).where(ledger_entries.c.seq == 5).values(payload=row.payload.replace(",", ", "))
    )


async def _delete_middle(conn: AsyncConnection) -> None:
    await conn.execute(delete(ledger_entries).where(ledger_entries.c.seq == 3))


async def _delete_first(conn: AsyncConnection) -> None:
    await conn.execute(delete(ledger_entries).where(ledger_entries.c.seq == 1))


async def _delete_last(conn: AsyncConnection) -> None:
    await conn.execute(delete(ledger_entries).where(ledger_entries.c.seq == 6))


async def _delete_and_renumber(conn: AsyncConnection) -> None:
    await conn.execute(delete(ledger_entries).where(ledger_entries.c.seq == 3))
    for seq in (4, 5, 6):
        await conn.execute(update(ledger_entries).where(ledger_entries.c.seq == seq).values(seq=seq - 1))


async def _swap_seqs(conn: AsyncConnection) -> None:
    await conn.execute(update(ledger_entries).where(ledger_entries.c.seq == 2).values(seq=-2))
    await conn.execute(update(ledger_entries).where(ledger_entries.c.seq == 4).values(seq=2))
    await conn.execute(update(ledger_entries).where(ledger_entries.c.seq == -2).values(seq=4))


async def _insert_forged(conn: AsyncConnection) -> None:
    await conn.execute(update(ledger_entries).where(ledger_entries.c.seq == 6).values(seq=7))
    row = (await conn.execute(select(ledger_entries).where(ledger_entries.c.seq == 5))).one()
    payload = '{"forged":true}'
    digest = entry_hash(
        seq=6,
        kind="event",
        ref="forged",
        detail_type="SchemaApproved",
        recorded_at=row.recorded_at,
        payload=payload,
        prev_hash=row.entry_hash,
    )
    await conn.execute(
        ledger_entries.insert().values(
            seq=6,
            kind="event",
            ref="forged",
            detail_type="SchemaApproved",
            recorded_at=row.recorded_at,
            payload=payload,
            prev_hash=row.entry_hash,
            entry_hash=digest,
        )
    )


TAMPERS: list[tuple[str, Tamper, int, str]] = [
    ("alter a payload", _alter_payload, 3, "altered"),
    ("alter and rehash one entry", _alter_and_rehash_one, 4, "prev_hash"),
    ("alter a column outside the payload", _alter_detail_type, 2, "altered"),
    ("re-spell a payload", _reformat_payload, 5, "canonical"),
    ("delete a middle entry", _delete_middle, 4, "missing"),
    ("delete the first entry", _delete_first, 2, "missing"),
    ("delete the last entry", _delete_last, 6, "removed from the end"),
    ("delete and renumber", _delete_and_renumber, 3, "prev_hash"),
    ("swap two entries' seq", _swap_seqs, 2, "prev_hash"),
    ("insert a forged entry", _insert_forged, 7, "prev_hash"),
]


class LedgerContract:
    @pytest.fixture
    def database_url(self) -> str:
        raise NotImplementedError

    @pytest.fixture
    async def engine(self, database_url: str) -> AsyncIterator[AsyncEngine]:
        made = create_engine(database_url)
        await create_schema(made)
        for event in EVENTS:
            async with made.begin() as conn:
                await ledger.append(
                    conn, kind="event", ref=event.id, detail_type=event.detail_type, payload=event.to_wire()
                )
        yield made
        await made.dispose()

    async def test_an_untouched_ledger_verifies(self, engine: AsyncEngine) -> None:
        result = await check(engine)
        assert result.ok, result.render()
        assert result.entries == 6
        assert result.head_seq == 6

    @pytest.mark.parametrize(
        ("what", "tamper", "broken_seq", "problem"), TAMPERS, ids=[t[0] for t in TAMPERS]
    )
    async def test_tampering_is_detected_at_the_first_broken_link(
        self, engine: AsyncEngine, what: str, tamper: Tamper, broken_seq: int, problem: str
    ) -> None:
        async with engine.begin() as conn:
            await tamper(conn)
        result = await check(engine)
        assert not result.ok, f"{what} went unnoticed"
        assert result.broken_seq == broken_seq, result.render()
        assert problem in (result.problem or ""), result.render()

    async def test_a_rewritten_chain_is_caught_by_the_externally_kept_head(self, engine: AsyncEngine) -> None:
        anchored = (await check(engine)).head_hash
        # Rewrite history consistently: alter entry 2 and recompute every hash after it, head included.
        entries = [entry async for entry in ledger.read_entries(engine)]
        async with engine.begin() as conn:
            prev = entries[0].entry_hash
            for entry in entries[1:]:
                payload = entry.payload.replace("jr-2", "jr-9") if entry.seq == 2 else entry.payload
                digest = entry_hash(
                    seq=entry.seq,
                    kind=entry.kind,
                    ref=entry.ref,
                    detail_type=entry.detail_type,
                    recorded_at=entry.recorded_at,
                    payload=payload,
                    prev_hash=prev,
                )
                await conn.execute(
                    update(ledger_entries)
                    .where(ledger_entries.c.seq == entry.seq)
                    .values(payload=payload, prev_hash=prev, entry_hash=digest)
                )
                prev = digest
            await conn.execute(text("UPDATE ledger_head SET entry_hash = :h"), {"h": prev})
        assert (await check(engine)).ok
        result = await check(engine, expect_head=anchored)
        assert not result.ok
        assert "expected" in (result.problem or "")


class TestLedgerSQLite(LedgerContract):
    @pytest.fixture
    def database_url(self, tmp_path: Path) -> str:
        return f"sqlite+aiosqlite:///{tmp_path}/ledger.db"


@pytest.mark.postgres
class TestLedgerPostgres(LedgerContract):
    @pytest.fixture
    def database_url(self, postgres_url: str) -> str:
        return postgres_url
