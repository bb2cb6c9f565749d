"""Every statement a service runs inside a span is a CLIENT span of that span, named and described
by the database semantic conventions, on SQLite (aiosqlite) and PostgreSQL (asyncpg, whose
statements SQLAlchemy runs in a greenlet: the parent must still be the caller's span)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from schemaline.runtime.db import create_engine
from schemaline.runtime.http.tracing import TraceRequests
from schemaline.runtime.telemetry import get_tracer
from tests.support.tracing import recorded_spans

metadata = MetaData()
items = Table("items", metadata, Column("id", Integer, primary_key=True), Column("name", String(20)))


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    with recorded_spans() as exporter:
        yield exporter


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    try:
        yield engine
    finally:
        await engine.dispose()


def _children_of(parent: ReadableSpan, spans: tuple[ReadableSpan, ...]) -> list[ReadableSpan]:
    assert parent.context is not None
    return [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]


async def test_statements_in_a_span_are_its_client_spans(
    exporter: InMemorySpanExporter, engine: AsyncEngine
) -> None:
    exporter.clear()
    with get_tracer().start_as_current_span("process BatchLanded"):
        async with engine.begin() as conn:
            await conn.execute(insert(items), [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
            await conn.execute(select(items.c.name).where(items.c.id == 1))
    spans = exporter.get_finished_spans()
    [handler] = [s for s in spans if s.name == "process BatchLanded"]
    statements = _children_of(handler, spans)
    assert [s.name for s in statements] == ["INSERT items", "SELECT items"]
    assert len(statements) == len(spans) - 1, "every statement span is the handler's child"
    system = engine.dialect.name
    for span in statements:
        assert span.kind is SpanKind.CLIENT
        assert span.context is not None
        assert handler.context is not None
        assert span.context.trace_id == handler.context.trace_id
        attributes = dict(span.attributes or {})
        assert attributes["db.system.name"] == system
        assert attributes["db.collection.name"] == "items"
        assert attributes["db.operation.name"] == span.name.split()[0]
        assert "'a'" not in str(attributes["db.query.text"]), "no parameter values"
        if system == "postgresql":
            assert attributes["server.address"] == "127.0.0.1"
            assert attributes["server.port"] == 5432
            assert str(attributes["db.namespace"]).startswith("test_")
        else:
            assert "server.address" not in attributes
    select_text = str(dict(statements[1].attributes or {})["db.query.text"])
    assert select_text.startswith("SELECT items.name")
    assert "FROM items" in select_text


async def test_statements_outside_any_span_make_none(
    exporter: InMemorySpanExporter, engine: AsyncEngine
) -> None:
    """The outbox relay polls outside any trace: a root trace per poll would bury the runs'."""
    exporter.clear()
    async with engine.begin() as conn:
        await conn.execute(select(items))
    assert exporter.get_finished_spans() == ()


async def test_a_failed_statement_is_an_error_span(
    exporter: InMemorySpanExporter, engine: AsyncEngine
) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(items).values(id=1, name="a"))
    exporter.clear()
    with get_tracer().start_as_current_span("handler"), pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(insert(items).values(id=1, name="again"))
    [failed] = [s for s in exporter.get_finished_spans() if s.name == "INSERT items"]
    assert failed.status.status_code is StatusCode.ERROR
    assert "error.type" in dict(failed.attributes or {})
    assert [event.name for event in failed.events] == ["exception"]


async def test_a_requests_statements_are_spans_of_its_server_span(
    exporter: InMemorySpanExporter, tmp_path: Path
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)

    async def count(_request: Request) -> PlainTextResponse:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("select count(*) from items"))).scalar_one()
        return PlainTextResponse(str(rows))

    app = TraceRequests(Starlette(routes=[Route("/count", count)]))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://a") as http:
            assert (await http.get("/count")).text == "0"
    finally:
        await engine.dispose()
    spans = exporter.get_finished_spans()
    [request] = [s for s in spans if s.name == "GET /count"]
    [statement] = _children_of(request, spans)
    assert statement.name == "SELECT", "a text() statement names its operation only"
    assert dict(statement.attributes or {})["db.query.text"] == "select count(*) from items"
