"""Every consuming service's dead letters through its own operator API and the CLI: the validator's and
the alerts service's too (before they had an API, only the broker's tools reached their DLQs)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from schemaline.alerts.settings import AlertsSettings
from schemaline.alerts.spec import SPEC as ALERTS
from schemaline.cli.dlq_cmd import SERVICES
from schemaline.cli.main import main
from schemaline.contracts import Envelope, PipelineFailed, SchemaValidated, encode, new_envelope
from schemaline.runtime.bus import EventBus, InMemoryTransport, OutgoingMessage
from schemaline.runtime.objectstore import LocalFolderStore
from schemaline.runtime.service import Running, ServiceSpec, start
from schemaline.runtime.settings import Role
from schemaline.runtime.tables import processed_events
from schemaline.validator.settings import ValidatorSettings
from schemaline.validator.spec import SPEC as VALIDATOR
from tests.runtime.bus_contract import landed
from tests.support.aio import eventually
from tests.support.dead_letters import dead_letter
from tests.support.invoices import invoice, jsonl
from tests.support.registry import TOKENS, auth_settings, bearer
from tests.support.serving import serve
from tests.validator.conftest import VERDICTS, catalog

SERVICES_DIR = Path(__file__).parents[2] / "services"
CLI_NAMES = {"drift": "drift_detector", "lineage": "lineage_writer"}  # the CLI's short names


def test_every_consuming_service_serves_its_dlq_and_the_cli_names_it() -> None:
    specs: list[ServiceSpec[Any, Any]] = [
        importlib.import_module(f"schemaline.{folder.name}.spec").SPEC
        for folder in sorted(SERVICES_DIR.iterdir())
        if (folder / "pyproject.toml").exists()
    ]
    consuming = {spec.name for spec in specs if spec.handlers.detail_types}
    assert {"validator", "alerts"} <= consuming
    assert {spec.name for spec in specs if spec.name in consuming and spec.api is None} == set()
    assert {CLI_NAMES.get(name, name) for name in SERVICES} == consuming


def test_enabling_the_api_keeps_its_own_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMALINE_VALIDATOR_HTTP__ENABLED", "true")
    monkeypatch.setenv("SCHEMALINE_ALERTS_HTTP__ENABLED", "true")
    assert (ValidatorSettings().http.enabled, ValidatorSettings().http.port) == (True, 8089)
    assert (AlertsSettings().http.enabled, AlertsSettings().http.port) == (True, 8090)


@dataclass
class Consumer:
    """A running service with two dead letters: an event (`event`) and a message that is no event."""

    cli: str  # SERVICE in `schemaline dlq ACTION SERVICE`
    url_env: str
    running: Running[Any, Any]
    event: Envelope[Any]
    handled: Callable[[], Awaitable[None]]  # returns once the redriven event had its effect


async def _letters(transport: InMemoryTransport, service: str, event: Envelope[Any]) -> None:
    """The event dead-lettered as a handler left it; junk dead-lettered by the service's own consumer."""
    reason = "handler failed (transient): the dependency stayed down"
    await dead_letter(transport, service, encode(event), event.detail_type, reason)
    await transport.publish([OutgoingMessage(event.detail_type, b"\xff not an event", "junk")])
    await eventually(lambda: transport.idle(), what="the junk dead-lettered")


@contextlib.asynccontextmanager
async def _validator(tmp_path: Path, transport: InMemoryTransport) -> AsyncIterator[Consumer]:
    objects = LocalFolderStore(tmp_path / "objects")
    event = landed(7)
    await objects.put_bytes(event.detail.object_uri, jsonl([invoice(1), invoice(2)]))
    verdicts: list[Envelope[Any]] = []
    observer = EventBus(transport)

    async def record(envelope: Envelope[Any]) -> None:
        verdicts.append(envelope)

    observer.subscribe("ops", VERDICTS, record)
    await observer.start()
    settings = ValidatorSettings.model_validate(
        {"database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'validator.db'}"}, "auth": auth_settings()}
    )

    async def handled() -> None:
        def mine() -> list[Envelope[Any]]:
            return [v for v in verdicts if v.detail.meta.causation_id == event.id]

        await eventually(lambda: bool(mine()), within=15, what="the redriven batch's verdict")
        assert isinstance(mine()[0].detail, SchemaValidated)

    try:
        async with start(VALIDATOR, settings, transport=transport, catalog=catalog(), objects=objects) as run:
            await _letters(transport, "validator", event)
            yield Consumer("validator", "SCHEMALINE_VALIDATOR_URL", run, event, handled)
    finally:
        await observer.close()


@contextlib.asynccontextmanager
async def _alerts(tmp_path: Path, transport: InMemoryTransport) -> AsyncIterator[Consumer]:
    detail = PipelineFailed.model_validate(
        {
            "pipeline_id": "finance_raw_ingest",
            "run_id": "jr-dlq",
            "layer": "raw",
            "code": "PIPE-1002",
            "message": "payload at /records/3/amount: must be a number",
            "component": "glue:raw",
        }
    )
    event = new_envelope(detail, source="glue")
    settings = AlertsSettings.model_validate(
        {"database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'alerts.db'}"}, "auth": auth_settings()}
    )
    async with start(ALERTS, settings, transport=transport, channels={}) as run:

        async def handled() -> None:
            assert run.engine is not None
            for _ in range(1500):
                async with run.engine.connect() as conn:
                    done = await conn.scalar(
                        select(processed_events.c.event_id).where(processed_events.c.event_id == event.id)
                    )
                if done is not None:
                    return
                await asyncio.sleep(0.01)
            raise AssertionError("the redriven failure was never recorded as an incident")

        await _letters(transport, "alerts", event)
        yield Consumer("alerts", "SCHEMALINE_ALERTS_URL", run, event, handled)


@pytest.fixture(params=["validator", "alerts"])
async def consumer(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Consumer]:
    starts = {"validator": _validator, "alerts": _alerts}[request.param]
    async with starts(tmp_path, InMemoryTransport()) as running:
        yield running


async def test_listed_shown_and_redriven_through_its_api(consumer: Consumer) -> None:
    name, event = consumer.running.name, consumer.event
    transport = httpx.ASGITransport(consumer.running.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as http:
        assert (await http.get("/api/v1/health")).json() == {"status": "ok", "detail": None}
        assert (await http.get("/api/v1/dlq")).status_code == 401
        listed = (await http.get("/api/v1/dlq", headers=bearer(Role.RUNNER))).json()
        assert (listed["service"], listed["count"]) == (name, 2)
        assert [letter["message_id"] for letter in listed["letters"]] == [event.id, "junk"]
        assert listed["letters"][1]["reason"].startswith("malformed message: not JSON")
        shown = (await http.get(f"/api/v1/dlq/{event.id}", headers=bearer(Role.RUNNER))).json()
        assert json.loads(shown["body"])["id"] == event.id

        assert (await http.post("/api/v1/dlq/redrive")).status_code == 401
        refused = await http.post("/api/v1/dlq/redrive", headers=bearer(Role.RUNNER))
        assert refused.status_code == 403, "a runner reads dead letters; redriving takes a publisher"
        assert (await http.get("/api/v1/dlq", headers=bearer(Role.RUNNER))).json()["count"] == 2

        redriven = (await http.post("/api/v1/dlq/redrive", headers=bearer(Role.PUBLISHER))).json()
        assert redriven == {"service": name, "republished": 1, "kept": 1}
        await consumer.handled()
        left = (await http.get("/api/v1/dlq", headers=bearer(Role.RUNNER))).json()
        assert [letter["message_id"] for letter in left["letters"]] == ["junk"]


async def test_listed_shown_and_redriven_through_the_cli(
    consumer: Consumer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def dlq(*args: str) -> int:
        return await asyncio.to_thread(main, ["dlq", *args])

    name, event = consumer.running.name, consumer.event
    async with serve(consumer.running.app) as url:
        monkeypatch.setenv(consumer.url_env, url)  # the service's own variable: no --url
        monkeypatch.setenv("SCHEMALINE_TOKEN", "not-a-token-this-service-knows")
        assert await dlq("list", consumer.cli) == 2, "an unknown token is refused (401)"
        monkeypatch.setenv("SCHEMALINE_TOKEN", TOKENS[Role.RUNNER])
        capsys.readouterr()
        assert await dlq("list", consumer.cli) == 1, "letters found"
        assert f"2 dead letter(s) in {name}" in capsys.readouterr().out
        assert await dlq("show", consumer.cli, event.id, "--json") == 0
        assert json.loads(capsys.readouterr().out)["message_id"] == event.id
        assert await dlq("redrive", consumer.cli) == 2, "a runner token may not redrive (403)"

        monkeypatch.setenv("SCHEMALINE_TOKEN", TOKENS[Role.PUBLISHER])
        capsys.readouterr()
        assert await dlq("redrive", consumer.cli, "--json") == 1, "the junk is kept"
        assert json.loads(capsys.readouterr().out) == {"service": name, "republished": 1, "kept": 1}
        await consumer.handled()
        assert await dlq("list", consumer.cli, "--json") == 1
        assert [letter["message_id"] for letter in json.loads(capsys.readouterr().out)["letters"]] == ["junk"]
