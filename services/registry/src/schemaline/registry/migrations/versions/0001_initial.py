"""Subjects, versions, proposals, contracts, the outbox and processed events.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "processed_events",
        sa.Column("service", sa.String(64), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("processed_at", _When, nullable=False),
    )
    op.create_table(
        "subjects",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("level", sa.String(32), nullable=True),
        sa.Column("policy", sa.String(16), nullable=True),
        sa.Column("created_at", _When, nullable=False),
    )
    op.create_table(
        "schema_versions",
        sa.Column("subject", sa.String(200), sa.ForeignKey("subjects.name"), primary_key=True),
        sa.Column("major", sa.Integer, primary_key=True),
        sa.Column("minor", sa.Integer, primary_key=True),
        sa.Column("fingerprint", sa.String(80), nullable=False),
        sa.Column("schema_text", sa.Text, nullable=False),
        sa.Column("deprecated", sa.Boolean, nullable=False),
        sa.Column("published_at", _When, nullable=False),
        sa.Column("proposal_id", sa.String(64), nullable=True),
        sa.UniqueConstraint("subject", "fingerprint", name="uq_schema_versions_fingerprint"),
    )
    op.create_table(
        "proposals",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("subject", sa.String(200), sa.ForeignKey("subjects.name"), nullable=False),
        sa.Column("major", sa.Integer, nullable=False),
        sa.Column("minor", sa.Integer, nullable=False),
        sa.Column("base_major", sa.Integer, nullable=True),
        sa.Column("base_minor", sa.Integer, nullable=True),
        sa.Column("fingerprint", sa.String(80), nullable=False),
        sa.Column("schema_text", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("policy", sa.String(16), nullable=False),
        sa.Column("changes_json", sa.Text, nullable=False),
        sa.Column("covers_json", sa.Text, nullable=False),
        sa.Column("proposed_by", sa.String(64), nullable=False),
        sa.Column("created_at", _When, nullable=False),
        sa.Column("decided_at", _When, nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("published_major", sa.Integer, nullable=True),
        sa.Column("published_minor", sa.Integer, nullable=True),
    )
    op.create_index("ix_proposals_subject_state", "proposals", ["subject", "state"])
    op.create_table(
        "contracts",
        sa.Column("pipeline_id", sa.String(128), primary_key=True),
        sa.Column("layer", sa.String(16), primary_key=True),
        sa.Column("revision", sa.Integer, primary_key=True),
        sa.Column("body_json", sa.Text, nullable=True),
        sa.Column("fingerprint", sa.String(80), nullable=True),
        sa.Column("created_at", _When, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", _Id, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("detail_type", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", _When, nullable=False),
        sa.Column("sent_at", _When, nullable=True),
    )
    op.create_index("ix_outbox_unsent", "outbox", ["sent_at", "seq"])


def downgrade() -> None:
    for table in ("outbox", "contracts", "proposals", "schema_versions", "subjects", "processed_events"):
        op.drop_table(table)
