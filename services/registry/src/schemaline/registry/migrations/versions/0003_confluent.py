"""Confluent-compatible API: global schema ids, integer versions, soft deletion, modes, references.

Revision ID: 0003
Revises: 0002

Existing versions get their integer version (1, 2, … per subject, oldest first) and a global id
per distinct content, in publication order, so clients see the same numbers a fresh registration
of the same history would give.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "schema_ids",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("content_key", sa.String(80), nullable=False, unique=True),
        sa.Column("schema_text", sa.Text, nullable=False),
        sa.Column("references_json", sa.Text, nullable=False),
    )
    op.create_table(
        "registry_config",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(64), nullable=False),
    )
    with op.batch_alter_table("schema_versions") as batch:
        batch.add_column(sa.Column("number", sa.Integer, nullable=True))
        batch.add_column(sa.Column("schema_id", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.create_unique_constraint("uq_schema_versions_number", ["subject", "number"])
    with op.batch_alter_table("subjects") as batch:
        batch.add_column(sa.Column("mode", sa.String(32), nullable=True))
    with op.batch_alter_table("proposals") as batch:
        batch.add_column(sa.Column("references_json", sa.Text, nullable=True))
    _number_existing_versions()


def _number_existing_versions() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT subject, major, minor, fingerprint, schema_text FROM schema_versions "
            "ORDER BY published_at, subject, major, minor"
        )
    ).all()
    numbers: dict[str, int] = {}
    ids: dict[str, int] = {}
    for row in rows:
        if row.fingerprint not in ids:
            conn.execute(
                sa.text(
                    "INSERT INTO schema_ids (content_key, schema_text, references_json) VALUES (:k, :t, '[]')"
                ),
                {"k": row.fingerprint, "t": row.schema_text},
            )
            ids[row.fingerprint] = conn.execute(
                sa.text("SELECT id FROM schema_ids WHERE content_key = :k"), {"k": row.fingerprint}
            ).scalar_one()
        numbers[row.subject] = numbers.get(row.subject, 0) + 1
        conn.execute(
            sa.text(
                "UPDATE schema_versions SET number = :n, schema_id = :i "
                "WHERE subject = :s AND major = :ma AND minor = :mi"
            ),
            {"n": numbers[row.subject], "i": ids[row.fingerprint], "s": row.subject, "ma": row.major,
             "mi": row.minor},
        )  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("proposals") as batch:
        batch.drop_column("references_json")
    with op.batch_alter_table("subjects") as batch:
        batch.drop_column("mode")
    with op.batch_alter_table("schema_versions") as batch:
        batch.drop_constraint("uq_schema_versions_number", type_="unique")
        batch.drop_column("deleted")
        batch.drop_column("schema_id")
        batch.drop_column("number")
    op.drop_table("registry_config")
    op.drop_table("schema_ids")
