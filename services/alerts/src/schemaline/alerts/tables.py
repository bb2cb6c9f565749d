"""The alerts service's tables: incidents (the dedupe key) and deliveries (its outbox to operators)."""

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text

metadata = MetaData()

incidents = Table(
    "alert_incidents",
    metadata,
    # `drift:<signature>` (one drift case) or `failure:<pipeline>:<run>` (one failed run).
    Column("incident_key", String(400), primary_key=True),
    Column("kind", String(20), nullable=False),  # drift | failure
    Column("severity", String(20), nullable=False),  # warning | critical
    Column("state", String(20), nullable=False),  # open | resolved
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("pipeline_id", String(200), nullable=False),
    Column("case_id", String(64)),  # drift: the detection that opened it (the drift case's id)
    Column("occurrences", Integer, nullable=False),
    Column("notices", Integer, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("notified_at", DateTime(timezone=True), nullable=False),
)

deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("delivery_id", String(64), primary_key=True),  # derived: incident, notice number, channel
    Column("incident_key", String(400), nullable=False),
    Column("channel", String(20), nullable=False),  # sns | webhook
    Column("notice", String(20), nullable=False),  # alert | reminder
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, index=True),
    Column("delivered_at", DateTime(timezone=True)),
    Column("last_error", Text),
)
