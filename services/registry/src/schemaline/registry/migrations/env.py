"""Alembic environment: runs over the connection that `migrate()` hands in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from schemaline.registry.tables import metadata

connection: Connection | None = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through schemaline.registry.migrations.migrate(engine)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
