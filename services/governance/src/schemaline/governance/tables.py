"""Governance's own tables: the ledger and its head, proposals, drift cases, violations."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),  # "event" or "violation"
    Column("ref", String(128), nullable=False),  # event id, or violation id
    Column("detail_type", String(64), nullable=False),
    Column("recorded_at", String(40), nullable=False),  # ISO-8601 text: hashed exactly as stored
    Column("payload", Text, nullable=False),  # canonical JSON
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    UniqueConstraint("kind", "ref", name="uq_ledger_kind_ref"),
)

# One row: the last seq and hash. Appenders lock it, so the chain has one writer at a time.
ledger_head = Table(
    "ledger_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("entry_hash", String(64), nullable=False),
)

proposals = Table(
    "gov_proposals",
    metadata,
    Column("proposal_id", String(128), primary_key=True),
    Column("subject", String(200), nullable=False, index=True),
    Column("proposed_fqid", String(200), nullable=False),
    Column("base_fqid", String(200)),
    Column("compatible", Boolean, nullable=False),
    Column("level", String(32), nullable=False),
    Column("policy", String(32), nullable=False),
    Column("covers", Text, nullable=False),  # JSON list of case ids
    Column("proposed_by", String(200), nullable=False),
    Column("status", String(16), nullable=False),  # pending | approved | rejected
    Column("reason", Text, nullable=False),
    Column("blocked_by", Text, nullable=False),  # JSON list of case ids
    Column("event_id", String(64), nullable=False),
    Column("proposed_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True)),
    Column("decided_by", String(200)),
)

drift_cases = Table(
    "gov_drift_cases",
    metadata,
    Column("case_id", String(128), primary_key=True),
    Column("subject", String(200), nullable=False, index=True),
    Column("signature", Text, nullable=False),
    Column("pipeline_id", String(200), nullable=False),
    Column("run_id", String(200), nullable=False),
    Column("opened_event_id", String(64), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),  # open | resolved
    Column("resolved_event_id", String(64)),
    Column("resolved_at", DateTime(timezone=True)),
    Column("covering_fqid", String(200)),
)

violations = Table(
    "gov_violations",
    metadata,
    Column("violation_id", String(160), primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("pipeline_id", String(200)),
    Column("run_id", String(200)),
    Column("message", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
