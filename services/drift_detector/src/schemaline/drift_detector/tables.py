"""The drift detector's own tables (PostgreSQL in production, SQLite embedded)."""

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

drift_cases = Table(
    "drift_cases",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("subject", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("signature", Text, nullable=False),
    Column("state", String(20), nullable=False),  # open | acknowledged | resolved
    Column("fields", Text, nullable=False),  # JSON list of DriftedField
    Column("schema_fqid", String(200), nullable=False),  # version the drift was found under
    Column("detections", Integer, nullable=False),
    Column("drifted_records", Integer, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("resolved_by_fqid", String(200)),
    Column("note", Text),
)

case_runs = Table(
    "drift_case_runs",
    metadata,
    Column("case_id", String(64), ForeignKey("drift_cases.case_id"), primary_key=True),
    Column("run_id", String(200), primary_key=True),
    Column("event_id", String(64), nullable=False),
    Column("pipeline_id", String(200), nullable=False),
    Column("layer", String(20), nullable=False),
    Column("schema_fqid", String(200), nullable=False),
    Column("object_uri", Text, nullable=False),
    Column("quarantine_uri", Text),
    Column("drifted_records", Integer, nullable=False),
    Column("rerun_id", String(200)),
    Column("rerun_state", String(20)),  # submitted | passed | failed
    Column("rerun_note", Text),
)

run_versions = Table(
    "drift_run_versions",
    metadata,
    Column("run_id", String(200), primary_key=True),
    Column("subject", String(200), primary_key=True),
    Column("schema_fqid", String(200), nullable=False),
    Column("event_id", String(64), nullable=False),
)
