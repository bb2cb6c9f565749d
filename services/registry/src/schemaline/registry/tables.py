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
    Column("mode", String(32), nullable=True),  # Confluent mode; NULL: the global mode applies
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
    # The Confluent view: integer version per subject, global schema id, soft deletion.
    Column("number", Integer, nullable=True),
    Column("schema_id", BigInteger, nullable=True),
    Column("deleted", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("subject", "fingerprint", name="uq_schema_versions_fingerprint"),
    UniqueConstraint("subject", "number", name="uq_schema_versions_number"),
)

# One row per distinct content (schema and its references): Confluent's global schema id.
schema_ids = Table(
    "schema_ids",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("content_key", String(80), nullable=False, unique=True),
    Column("schema_text", Text, nullable=False),
    Column("references_json", Text, nullable=False),
)

# Registry-wide settings changed at run time (Confluent's global compatibility and mode).
registry_config = Table(
    "registry_config",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", String(64), nullable=False),
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
    Column("references_json", Text, nullable=True),
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
