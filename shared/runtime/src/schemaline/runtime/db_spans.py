"""A CLIENT span per SQL statement, a child of the span that ran it (database semantic conventions).

Statements run outside any span (the outbox relay's polls, migrations at start) make none: a root
trace per poll would bury the runs' traces. With asyncpg, SQLAlchemy runs these events in a greenlet
that shares its caller's contextvars, so the current span there is the handler's or the request's.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from sqlalchemy import Table, event
from sqlalchemy.engine import URL, Connection, ExceptionContext, ExecutionContext
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Delete, Insert, Select, Update

TRACER = "schemaline.db"
QUERY_TEXT_LIMIT = 2048  # a batch insert's text grows with its rows; the start tells what it was
_SPAN = "schemaline.span"  # where a statement's span waits in `Connection.info` for its end


def trace_statements(engine: AsyncEngine) -> None:
    """Make every statement `engine` runs inside a span a `CLIENT` span `OPERATION table`."""
    connection_attributes = _connection_attributes(engine.url)
    # Once per engine, not per statement (getting a tracer costs about what the rest of the hook
    # does); before a provider is set it is a proxy that binds to the first one set.
    tracer = trace.get_tracer(TRACER)

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _start(
        conn: Connection,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        context: ExecutionContext | None,
        _executemany: bool,
    ) -> None:
        if not trace.get_current_span().get_span_context().is_valid:
            return
        operation, collection = _describe(statement, context)
        attributes: dict[str, Any] = {
            **connection_attributes,
            "db.operation.name": operation,
            "db.query.text": statement[:QUERY_TEXT_LIMIT],
        }
        if collection:
            attributes["db.collection.name"] = collection
        name = f"{operation} {collection}" if collection else operation
        conn.info[_SPAN] = tracer.start_span(name, kind=trace.SpanKind.CLIENT, attributes=attributes)

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _end(conn: Connection, *_args: Any) -> None:
        span: trace.Span | None = conn.info.pop(_SPAN, None)
        if span is not None:
            span.end()

    @event.listens_for(engine.sync_engine, "handle_error")
    def _fail(failure: ExceptionContext) -> None:
        span: trace.Span | None = failure.connection.info.pop(_SPAN, None) if failure.connection else None
        if span is None:
            return
        error = failure.original_exception
        span.set_attribute("error.type", type(error).__qualname__)
        span.record_exception(error)
        span.set_status(trace.StatusCode.ERROR, str(error).splitlines()[0] if str(error) else None)
        span.end()


def _connection_attributes(url: URL) -> dict[str, Any]:
    if url.get_backend_name() != "postgresql":
        return {"db.system.name": "sqlite"}
    attributes: dict[str, Any] = {"db.system.name": "postgresql"}
    if url.database:
        attributes["db.namespace"] = url.database
    if url.host:
        attributes["server.address"] = url.host
        attributes["server.port"] = url.port or 5432
    return attributes


def _describe(statement: str, context: ExecutionContext | None) -> tuple[str, str | None]:
    """The operation and its one table, from the SQLAlchemy statement when there is one (no parsing
    of SQL text: a join or a text() statement names only its first keyword). A SELECT's tables come
    from its compile state, which the compiled cache keeps (`get_final_froms()` compiles anew)."""
    compiled = getattr(context, "compiled", None)
    clause = getattr(compiled, "statement", None)
    if isinstance(clause, Insert | Update | Delete) and isinstance(clause.table, Table):
        return type(clause).__name__.upper(), clause.table.name
    if isinstance(clause, Select):
        froms: list[Any] = getattr(getattr(compiled, "compile_state", None), "froms", [])
        only = froms[0] if len(froms) == 1 else None
        return "SELECT", only.name if isinstance(only, Table) else None
    words = statement.split(maxsplit=1)
    return (words[0].upper() if words else "SQL"), None
