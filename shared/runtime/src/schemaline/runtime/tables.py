"""The runtime's own tables, created in the database of every service that keeps state."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

# Autoincrement needs INTEGER PRIMARY KEY on SQLite and BIGINT elsewhere.
_Seq = BigInteger().with_variant(Integer(), "sqlite")

# An event id here means its effect is committed: written in the same transaction as the effect.
processed_events = Table(
    "processed_events",
    metadata,
    Column("service", String(64), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("processed_at", DateTime(timezone=True), nullable=False),
)

# Events committed with the effect that caused them; the relay publishes them after the commit.
outbox = Table(
    "outbox",
    metadata,
    Column("seq", _Seq, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("detail_type", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Index("ix_outbox_unsent", "sent_at", "seq"),
)
