"""The lineage API over the in-memory store and over SQLite, through httpx's ASGI transport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from schemaline.contracts import RunRerunRequested, encode
from schemaline.lineage_writer.api import create_app
from schemaline.lineage_writer.openlineage import RunEventBuilder, openlineage_run_id
from schemaline.lineage_writer.rows import to_rows
from schemaline.lineage_writer.sql_store import SqlLineageReader, SqlLineageSink, create_schema
from schemaline.lineage_writer.store import InMemoryLineageStore, LineageReader
from schemaline.runtime.bus import EventBus, InMemoryTransport
from schemaline.runtime.bus.dead_letters import drain
from schemaline.runtime.db import create_engine
from schemaline.runtime.settings import Role
from tests.lineage import example_a as ex
from tests.support.api import assert_roles, tokens
from tests.support.registry import bearer

EVENTS = ex.example_a() + ex.failed_run()


@pytest.fixture(params=["memory", "sqlite"])
async def reader(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[LineageReader]:
    rows = [to_rows(e) for e in EVENTS]
    if request.param == "memory":
        store = InMemoryLineageStore()
        await store.insert_batch(rows)
        yield store
        return
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/api.db")
    await create_schema(engine)
    await SqlLineageSink(engine).insert_batch(rows)
    yield SqlLineageReader(engine)
    await engine.dispose()


@dataclass
class _Delivered:
    """A delivered message, as the in-memory transport hands a consumer one."""

    body: bytes
    routing_key: str
    message_id: str | None = None
    redelivered: bool = False

    async def ack(self) -> None:
        return None

    async def requeue(self) -> None:
        return None


@pytest.fixture
def transport() -> InMemoryTransport:
    return InMemoryTransport()


@pytest.fixture
def app(reader: LineageReader, transport: InMemoryTransport) -> FastAPI:
    return create_app(
        reader=reader,
        builder=RunEventBuilder(namespace="schemaline", producer="https://schemaline.dev/lw"),
        tokens=tokens(),
        bus=EventBus(transport),
    )


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://lineage", headers=bearer(Role.RUNNER)
    ) as http:
        yield http


async def test_run_trace(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/lineage/runs/jr-gdp-0001")
    assert response.status_code == 200
    body = response.json()
    assert body["run"]["status"] == "success"
    assert body["run"]["schema_fqid"] == "finance.gdp.invoice:v1.1"
    assert [e["detail_type"] for e in body["events"]] == ["BatchLanded", "SchemaValidated"]
    assert (await client.get("/api/v1/lineage/runs/jr-none")).status_code == 404


async def test_pipeline_runs_in_a_window(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/v1/lineage/pipelines/finance_raw_ingest/runs", params={"since": "2025-10-07T07:00:00Z"}
    )
    assert [run["run_id"] for run in response.json()] == ["jr-raw-0002"]


async def test_dataset_upstream(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/lineage/datasets", params={"uri": ex.KPI_OUT})
    # The failed raw run wrote the same path, so it is upstream too (at the same depth).
    assert [(hop["run_id"], hop["depth"]) for hop in response.json()["upstream"]] == [
        ("jr-kpi-0001", 1),
        ("jr-gdp-0001", 2),
        ("jr-raw-0001", 3),
        ("jr-raw-0002", 3),
        ("jr-ext-0001", 4),
    ]


async def test_openlineage_of_a_run(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/lineage/runs/jr-raw-0002/openlineage")
    events = response.json()
    assert [e["eventType"] for e in events] == ["START", "FAIL"]
    assert {e["run"]["runId"] for e in events} == {openlineage_run_id("jr-raw-0002")}


async def test_export_of_a_pipeline_and_of_nothing(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/lineage/openlineage", params={"pipeline_id": "finance_raw_ingest"})
    assert {e["eventType"] for e in response.json()} >= {"START", "COMPLETE", "FAIL"}
    nothing = await client.get("/api/v1/lineage/openlineage")
    assert (nothing.status_code, nothing.json()["pointer"]) == (422, "/run_id")
    assert (
        await client.get("/api/v1/lineage/datasets", params={"uri": "s3://x", "depth": -1})
    ).status_code == 422


async def test_redrive_republishes_dead_letters(app: FastAPI, transport: InMemoryTransport) -> None:
    event = EVENTS[0]
    await transport.dead_letter("lineage_writer", _Delivered(encode(event), event.detail_type), "PIPE-1402")
    await transport.dead_letter("lineage_writer", _Delivered(b"not json", "BatchLanded"), "PIPE-1402")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lineage") as http:
        response = await http.post("/api/v1/lineage/redrive", headers=bearer(Role.PUBLISHER))
    assert response.json() == {"republished": 1, "unreadable": 1}
    assert transport.depth("lineage_writer") == 1, "the event is back in the writer's queue"
    (kept,) = await drain(transport, "lineage_writer")
    assert (kept.body, kept.reason) == (b"not json", "PIPE-1402"), (
        "what is not an event stays, with its reason"
    )


async def test_roles(app: FastAPI) -> None:
    sample = {"run_id": "jr-raw-0001", "pipeline_id": "finance_raw_ingest"}
    await assert_roles(
        app,
        sample,
        {
            ("POST", "/api/v1/lineage/redrive"): {Role.PUBLISHER},
            ("POST", "/api/v1/lineage/runs/{run_id}/rerun"): {Role.PUBLISHER},
        },
    )


async def test_a_rerun_request_names_the_runs_inputs_and_the_new_version(
    app: FastAPI, transport: InMemoryTransport
) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://lineage", headers=bearer(Role.PUBLISHER)
    ) as http:
        url = "/api/v1/lineage/runs/jr-raw-0001/rerun"
        response = await http.post(url, json={"fqid": "finance.raw.invoice:v1.1"})
        assert response.status_code == 202, response.text
        answer = response.json()
        [event] = transport.events()
        detail = event.detail
        assert isinstance(detail, RunRerunRequested)
        assert (detail.original_run_id, detail.pipeline_id, detail.layer.value) == (
            "jr-raw-0001",
            "finance_raw_ingest",
            "raw",
        )
        assert (str(detail.schema_fqid), detail.inputs) == ("finance.raw.invoice:v1.1", (ex.EXTRACTOR_OUT,))
        assert (answer["rerun_id"], answer["event_id"]) == (detail.rerun_id, event.id)
        assert detail.rerun_id != "jr-raw-0001"
        assert detail.meta.correlation_id == "jr-raw-0001"
        # Another subject, a malformed FQID, an unknown run: refused, nothing published.
        other = await http.post(url, json={"fqid": "finance.gdp.invoice:v1.2"})
        assert (other.status_code, other.json()["pointer"]) == (422, "/fqid")
        assert (await http.post(url, json={"fqid": "nope"})).status_code == 422
        missing = await http.post(
            "/api/v1/lineage/runs/jr-nope/rerun", json={"fqid": "finance.raw.invoice:v1.1"}
        )
        assert missing.status_code == 404
        assert len(transport.events()) == 1


async def test_runs_across_pipelines_newest_first_one_page_at_a_time(client: httpx.AsyncClient) -> None:
    first = (await client.get("/api/v1/lineage/runs", params={"limit": 2})).json()
    assert first["total"] == 5
    assert [run["run_id"] for run in first["runs"]] == ["jr-raw-0002", "jr-kpi-0001"]
    rest = (await client.get("/api/v1/lineage/runs", params={"limit": 2, "offset": 2})).json()
    assert [run["run_id"] for run in rest["runs"]] == ["jr-gdp-0001", "jr-raw-0001"]


async def test_runs_filtered_by_status_pipeline_ids_and_time(client: httpx.AsyncClient) -> None:
    failed = (await client.get("/api/v1/lineage/runs", params={"status": "failed"})).json()
    assert (failed["total"], failed["runs"][0]["run_id"]) == (1, "jr-raw-0002")
    assert failed["runs"][0]["error_code"] == "PIPE-1002"
    raw = (await client.get("/api/v1/lineage/runs", params={"pipeline_id": "finance_raw_ingest"})).json()
    assert [run["run_id"] for run in raw["runs"]] == ["jr-raw-0002", "jr-raw-0001"]
    chosen = (await client.get("/api/v1/lineage/runs", params={"run_id": ["jr-ext-0001", "jr-x"]})).json()
    assert [run["run_id"] for run in chosen["runs"]] == ["jr-ext-0001"]
    late = (await client.get("/api/v1/lineage/runs", params={"since": "2025-10-07T06:25:00Z"})).json()
    assert [run["run_id"] for run in late["runs"]] == ["jr-raw-0002", "jr-kpi-0001"]
    assert (await client.get("/api/v1/lineage/runs", params={"status": "bogus"})).status_code == 422


async def test_stats_count_verdicts_per_hour(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/lineage/stats", params={"until": "2025-10-07T09:00:00Z", "hours": 3})
    body = response.json()
    assert body["counts"] == {"pass": 4, "fail": 1}
    assert [hour["counts"] for hour in body["hours"]] == [{"pass": 4}, {}, {"fail": 1}]
