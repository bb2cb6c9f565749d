"""Fingerprints become SHA-256 over RFC 8785 canonical JSON; stored schema text becomes that form.

Revision ID: 0004
Revises: 0003

Every stored schema (versions, proposals, global ids) is re-serialised in its canonical form and
re-fingerprinted, and so is every contract revision. The canonicalisation is spelled out here
(with the `rfc8785` library) rather than imported, so this revision keeps meaning what it meant.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import rfc8785
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _canonical(document: Any) -> str:
    return rfc8785.dumps(document).decode()


def _fingerprint(canonical: str) -> str:
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def upgrade() -> None:
    conn = op.get_bind()
    for table, keys in (("schema_versions", ("subject", "major", "minor")), ("proposals", ("id",))):
        columns = ", ".join(keys)
        where = " AND ".join(f"{key} = :{key}" for key in keys)
        for row in conn.execute(
            sa.text(f"SELECT {columns}, schema_text, fingerprint FROM {table}")
        ).mappings():
            text = _canonical(json.loads(row["schema_text"]))
            # a version with Confluent references is fingerprinted with them: keep that rule
            fingerprint = row["fingerprint"] if _has_references(conn, table, row) else _fingerprint(text)
            conn.execute(
                sa.text(f"UPDATE {table} SET schema_text = :text, fingerprint = :fp WHERE {where}"),
                {"text": text, "fp": fingerprint, **{key: row[key] for key in keys}},
            )
    for row in conn.execute(sa.text("SELECT id, schema_text, references_json FROM schema_ids")).mappings():
        document = json.loads(row["schema_text"])
        references = json.loads(row["references_json"])
        text = _canonical(document)
        key = _fingerprint(_canonical({"references": references, "schema": document}) if references else text)
        conn.execute(
            sa.text("UPDATE schema_ids SET schema_text = :text, content_key = :key WHERE id = :id"),
            {"text": text, "key": key, "id": row["id"]},
        )
    _refingerprint_referencing_versions(conn)
    for row in conn.execute(
        sa.text("SELECT pipeline_id, layer, revision, body_json FROM contracts WHERE body_json IS NOT NULL")
    ).mappings():
        conn.execute(
            sa.text(
                "UPDATE contracts SET fingerprint = :fp "
                "WHERE pipeline_id = :pipeline_id AND layer = :layer AND revision = :revision"
            ),
            {"fp": _fingerprint(_canonical(json.loads(row["body_json"]))), **dict(row)},
        )


def _has_references(conn: sa.Connection, table: str, row: Any) -> bool:
    if table != "schema_versions":
        return False
    found = conn.execute(
        sa.text(
            "SELECT i.references_json FROM schema_versions v JOIN schema_ids i ON i.id = v.schema_id "
            "WHERE v.subject = :subject AND v.major = :major AND v.minor = :minor"
        ),
        dict(row),
    ).scalar_one_or_none()
    return bool(found and json.loads(found))


def _refingerprint_referencing_versions(conn: sa.Connection) -> None:
    """A version with references carries its content key as fingerprint (the schema and its references)."""
    conn.execute(
        sa.text(
            "UPDATE schema_versions SET fingerprint = (SELECT content_key FROM schema_ids "
            "WHERE schema_ids.id = schema_versions.schema_id) "
            "WHERE schema_id IN (SELECT id FROM schema_ids WHERE references_json <> '[]')"
        )
    )


def downgrade() -> None:
    # The previous fingerprints cannot be told from the canonical text alone: nothing to undo.
    pass
