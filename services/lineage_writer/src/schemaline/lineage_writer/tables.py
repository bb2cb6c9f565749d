"""The lineage writer's tables: one row per event about a run or output, and its dataset links."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData()


def _key(length: int) -> String:
    """A string column that B-tree indexes compare byte-wise on PostgreSQL (COLLATE "C").

    The keys are ASCII ids, run ids and URIs, compared for equality and prefixes: a linguistic
    collation would order them no differently and costs a strcoll per comparison on every insert.
    SQLite has no "C" collation (its default, BINARY, is already byte-wise).
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


# Append-only: a row per event, keyed on the event id (the idempotency key of the write).
lineage_events = Table(
    "lineage_events",
    metadata,
    Column("event_id", _key(64), primary_key=True),
    Column("detail_type", String(64), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("pipeline_id", _key(200)),
    Column("run_id", _key(200)),
    Column("layer", String(16)),
    Column("schema_fqid", String(200)),
    Column("s3_output_path", Text),
    Column("status", String(32), nullable=False),
    Column("validation_result", String(32)),
    Column("record_count", BigInteger),
    Column("valid_count", BigInteger),
    Column("rejected_count", BigInteger),
    Column("quarantine_uri", Text),
    Column("rerun_of", _key(200)),
    Column("drift_case_id", String(128)),
    Column("error_code", String(16)),
    Column("causation_id", String(64)),
    Column("detail", Text, nullable=False),  # the event's detail as JSON, for traces and export
    Index("ix_lineage_events_run", "run_id"),
    Index("ix_lineage_events_pipeline_time", "pipeline_id", "occurred_at"),
    # Few rows are re-runs: a partial index costs the common write nothing.
    Index(
        "ix_lineage_events_rerun_of",
        "rerun_of",
        postgresql_where=text("rerun_of IS NOT NULL"),
        sqlite_where=text("rerun_of IS NOT NULL"),
    ),
)

# What each event says a run read (input) and wrote (output).
lineage_datasets = Table(
    "lineage_datasets",
    metadata,
    Column("event_id", _key(64), nullable=False),
    Column("role", _key(8), nullable=False),  # input | output
    Column("uri", _key(1024), nullable=False),
    Column("run_id", _key(200)),
    # One row per (event, role, URI), keyed URI first: the key is also the index behind
    # "uri LIKE 'prefix%'" (byte-wise on PostgreSQL through COLLATE "C"), so no separate URI index,
    # and new links land next to their neighbours' URIs rather than at a random event id.
    PrimaryKeyConstraint("uri", "role", "event_id", name="lineage_datasets_pkey"),
    Index("ix_lineage_datasets_run", "run_id"),
)

EVENT_COLUMNS = tuple(column.name for column in lineage_events.columns)
DATASET_COLUMNS = tuple(column.name for column in lineage_datasets.columns)
