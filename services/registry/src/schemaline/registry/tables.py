"""The registry's tables (SQLAlchemy Core); Alembic migrations create them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from schemaline.runtime.tables import outbox, processed_events

metadata = MetaData()

# Registry-owned copies of the runtime's tables, so one migration history creates everything.
processed_events.to_metadata(metadata)
outbox.to_metadata(metadata)

# Autoincrement needs INTEGER PRIMARY KEY on SQLite and BIGINT elsewhere.
_Id = BigInteger().with_variant(Integer(), "sqlite")

subjects = Table(
    "subjects",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("level", String(32), nullable=True),
    Column("policy", String(16), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

versions = Table(
    "schema_versions",
    metadata,
    Column("subject", String(200), ForeignKey("subjects.name"), primary_key=True),
    Column("major", Integer, primary_key=True),
    Column("minor", Integer, primary_key=True),
    Column("fingerprint", String(80), nullable=False),
    Column("schema_text", Text, nullable=False),
    Column("deprecated", Boolean, nullable=False, default=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("proposal_id", String(64), nullable=True),
    UniqueConstraint("subject", "fingerprint", name="uq_schema_versions_fingerprint"),
)

proposals = Table(
    "proposals",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("subject", String(200), ForeignKey("subjects.name"), nullable=False),
    Column("major", Integer, nullable=False),
    Column("minor", Integer, nullable=False),
    Column("base_major", Integer, nullable=True),
    Column("base_minor", Integer, nullable=True),
    Column("fingerprint", String(80), nullable=False),
    Column("schema_text", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("level", String(32), nullable=False),
    Column("policy", String(16), nullable=False),
    Column("changes_json", Text, nullable=False),
    Column("covers_json", Text, nullable=False),
    Column("proposed_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("decided_by", String(200), nullable=True),
    Column("reason", Text, nullable=True),
    Column("published_major", Integer, nullable=True),
    Column("published_minor", Integer, nullable=True),
    Column("new_major", Boolean, nullable=False, server_default=false()),
    Index("ix_proposals_subject_state", "subject", "state"),
)

contracts = Table(
    "contracts",
    metadata,
    Column("pipeline_id", String(128), primary_key=True),
    Column("layer", String(16), primary_key=True),
    Column("revision", Integer, primary_key=True),
    Column("body_json", Text, nullable=True),  # NULL marks a deletion (a tombstone revision)
    Column("fingerprint", String(80), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(64), nullable=False),
)
