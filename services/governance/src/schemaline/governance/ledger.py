"""The append-only ledger table: append inside the caller's transaction, read in seq order."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from schemaline.governance.chain import GENESIS, Entry, canonical_json, entry_hash
from schemaline.governance.tables import ledger_entries, ledger_head


async def ensure_head(conn: AsyncConnection) -> None:
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    await conn.execute(
        dialect_insert(ledger_head).values(id=1, seq=0, entry_hash=GENESIS).on_conflict_do_nothing()
    )


async def append(
    conn: AsyncConnection,
    *,
    kind: str,
    ref: str,
    detail_type: str,
    payload: Mapping[str, Any],
    now: datetime | None = None,
) -> Entry:
    """Append one entry, chained to the head; the head row lock serialises appenders."""
    head = (
        await conn.execute(
            select(ledger_head.c.seq, ledger_head.c.entry_hash).where(ledger_head.c.id == 1).with_for_update()
        )
    ).one()
    seq = int(head.seq) + 1
    recorded_at = (now or datetime.now(UTC)).isoformat()
    text = canonical_json(payload)
    digest = entry_hash(
        seq=seq,
        kind=kind,
        ref=ref,
        detail_type=detail_type,
        recorded_at=recorded_at,
        payload=text,
        prev_hash=head.entry_hash,
    )
    entry = Entry(seq, kind, ref, detail_type, recorded_at, text, head.entry_hash, digest)
    await conn.execute(
        insert(ledger_entries).values(
            seq=seq,
            kind=kind,
            ref=ref,
            detail_type=detail_type,
            recorded_at=recorded_at,
            payload=text,
            prev_hash=entry.prev_hash,
            entry_hash=digest,
        )
    )
    await conn.execute(update(ledger_head).where(ledger_head.c.id == 1).values(seq=seq, entry_hash=digest))
    return entry


async def read_head(engine: AsyncEngine) -> tuple[int, str] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(ledger_head.c.seq, ledger_head.c.entry_hash))).first()
    return None if row is None else (int(row.seq), str(row.entry_hash))


async def read_entries(
    engine: AsyncEngine, *, chunk: int = 5000, through: int | None = None
) -> AsyncIterator[Entry]:
    """Every entry in seq order (up to seq `through`), read in chunks so a long ledger is not held in memory.

    Pass the head's seq, read first, as `through`: entries appended meanwhile are then left out
    instead of making the chain look longer than its head.
    """
    after = 0
    while True:
        query = select(ledger_entries).where(ledger_entries.c.seq > after).order_by(ledger_entries.c.seq)
        if through is not None:
            query = query.where(ledger_entries.c.seq <= through)
        async with engine.connect() as conn:
            rows = (await conn.execute(query.limit(chunk))).all()
        for row in rows:
            yield Entry(
                int(row.seq),
                row.kind,
                row.ref,
                row.detail_type,
                row.recorded_at,
                row.payload,
                row.prev_hash,
                row.entry_hash,
            )
        if len(rows) < chunk:
            return
        after = int(rows[-1].seq)
