"""The liveness heartbeat: touched only while every consumer runs; the probe CLI's exit codes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from schemaline.contracts import BatchLanded, Envelope
from schemaline.runtime.bus import InMemoryTransport
from schemaline.runtime.handling import Emitter, Handlers
from schemaline.runtime.health import Heartbeat, heartbeat_problem, main, task_problems
from schemaline.runtime.http.app import create_api_app
from schemaline.runtime.http.auth import TokenTable
from schemaline.runtime.metrics import setup_metrics
from schemaline.runtime.process import HttpStartError, serve
from schemaline.runtime.service import Parts, ServiceSpec, start
from schemaline.runtime.settings import HealthSettings, HttpSettings, ServiceSettings, TelemetrySettings
from schemaline.runtime.telemetry import get_tracer
from tests.runtime.bus_contract import landed
from tests.support.aio import eventually


class DroppingTransport(InMemoryTransport):
    """Its consume() raises `drops` times once `drop` is set (a lost channel), then delivers again."""

    def __init__(self, drops: int) -> None:
        super().__init__()
        self.drop = asyncio.Event()
        self.drops = drops

    async def consume(self, service: str) -> AsyncGenerator[Any, None]:
        if self.drops:
            await self.drop.wait()
            self.drops -= 1
            raise RuntimeError("broker channel lost")
        async for message in super().consume(service):
            yield message


HANDLED: list[str] = []


async def ignore(envelope: Envelope[BatchLanded], deps: None, out: Emitter) -> None:
    HANDLED.append(envelope.id)


@contextlib.asynccontextmanager
async def no_deps(_parts: Parts[ServiceSettings]) -> AsyncIterator[None]:
    yield None


def ping_app(_deps: None, _parts: Parts[ServiceSettings]) -> FastAPI:
    router = APIRouter()

    @router.get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok"}

    return create_api_app(
        title="alpha", description="a test service", tokens=TokenTable([]), routers=[], open_routers=[router]
    )


def api_client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://alpha")


HANDLERS = Handlers[None]()
HANDLERS.on(BatchLanded, ignore)
ALPHA = ServiceSpec(name="alpha", settings=ServiceSettings, handlers=HANDLERS, open=no_deps, api=ping_app)


# ---- the check on tasks -----------------------------------------------------------------------------


async def test_task_problems_name_every_task_that_stopped() -> None:
    async def forever() -> None:
        await asyncio.Event().wait()

    async def crash() -> None:
        raise ValueError("boom")

    async def finish() -> None:
        return None

    running = asyncio.create_task(forever(), name="running")
    crashed = asyncio.create_task(crash(), name="crashed")
    returned = asyncio.create_task(finish(), name="returned")
    cancelled = asyncio.create_task(forever(), name="cancelled")
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.gather(crashed, returned, cancelled, return_exceptions=True)
    assert task_problems([running]) == []
    assert task_problems([running, crashed, returned, cancelled]) == [
        "crashed: crashed: ValueError: boom",
        "returned: returned",
        "cancelled: cancelled",
    ]
    running.cancel()


async def test_beat_touches_only_while_all_tasks_run(tmp_path: Path) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(stop.wait(), name="consumer:alpha")
    path = tmp_path / "sub" / "heartbeat"
    heartbeat = Heartbeat(path, 10.0, lambda: [task])
    assert heartbeat.beat()
    assert path.exists()
    os.utime(path, (0, 0))
    stop.set()
    await task
    assert not heartbeat.beat()
    assert path.stat().st_mtime == 0, "a stopped consumer must not refresh the heartbeat"


def test_an_unwritable_path_is_no_heartbeat_and_no_crash(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert not Heartbeat(blocker / "heartbeat", 1.0, list).beat()


# ---- freshness, with a fake clock ------------------------------------------------------------------


def test_freshness_against_a_given_clock(tmp_path: Path) -> None:
    path = tmp_path / "heartbeat"
    assert heartbeat_problem(path, 60, now=1000.0) == f"no heartbeat file at {path}"
    path.touch()
    os.utime(path, (1000.0, 1000.0))
    assert heartbeat_problem(path, 60, now=1000.0) is None
    assert heartbeat_problem(path, 60, now=1060.0) is None
    assert heartbeat_problem(path, 60, now=999.0) is None  # a clock a little behind is not stale
    assert heartbeat_problem(path, 60, now=1061.0) == f"heartbeat {path} is 61.0 s old (max 60 s)"


# ---- the heartbeat over a real bus -------------------------------------------------------------------


async def test_a_consumer_that_loses_its_stream_resumes_and_keeps_the_heartbeat(tmp_path: Path) -> None:
    transport = DroppingTransport(drops=3)
    path = tmp_path / "heartbeat"
    async with (
        start(ALPHA, ServiceSettings(), transport=transport) as running,
        Heartbeat(path, 0.01, running.alive).running(),
    ):
        transport.drop.set()
        canary = landed(1)
        await running.bus.publish(canary)
        await eventually(lambda: canary.id in HANDLED, within=10, what="the canary after three drops")
        assert transport.drops == 0
        assert heartbeat_problem(path, 60) is None
        assert task_problems(running.alive()) == []


async def test_heartbeat_and_health_fail_when_a_consumer_task_stops(tmp_path: Path) -> None:
    path = tmp_path / "heartbeat"
    async with start(ALPHA, ServiceSettings(), transport=InMemoryTransport()) as running:
        heartbeat = Heartbeat(path, 0.01, running.alive)
        async with heartbeat.running(), api_client(running.app) as http:
            await eventually(path.exists, within=5, what="the first heartbeat")
            assert (await http.get("/api/v1/health")).status_code == 200
            (task,) = running.bus.consumer_tasks
            task.cancel()  # however it ends, a consumer that stopped is a dead service
            await eventually(task.done, within=5, what="the consumer to stop")
            os.utime(path, (0, 0))
            await asyncio.sleep(0.1)  # ten intervals
            assert path.stat().st_mtime == 0
            assert heartbeat_problem(path, 60) is not None
            answer = await http.get("/api/v1/health")
            assert answer.status_code == 503
            assert answer.json() == {"status": "unavailable", "detail": "consumer:alpha: cancelled"}
    assert not path.exists(), "the heartbeat file outlived the service"


async def test_a_previous_runs_file_does_not_vouch_for_this_one(tmp_path: Path) -> None:
    path = tmp_path / "heartbeat"
    path.touch()  # fresh, left by the container's last run (an emptyDir outlives restarts)

    async def finish() -> None:
        return None

    dead = asyncio.create_task(finish(), name="consumer:alpha")
    await dead
    async with Heartbeat(path, 0.01, lambda: [dead]).running():
        await asyncio.sleep(0.05)
        assert heartbeat_problem(path, 60) == f"no heartbeat file at {path}"


async def test_serve_beats_and_serves_http_and_metrics_until_sigterm(tmp_path: Path) -> None:
    path = tmp_path / "heartbeat"
    port = free_port()
    settings = ServiceSettings(
        health=HealthSettings(heartbeat_path=str(path), interval_s=0.01),
        http=HttpSettings(enabled=True, port=port),
    )
    measured = setup_metrics("alpha", TelemetrySettings(metrics="prometheus"))
    measured.provider.get_meter("test").create_counter("pipeline.drift_events").add(2)
    serving = asyncio.create_task(serve(ALPHA, settings, get_tracer(), measured.scrape))
    await eventually(path.exists, within=5, what="the first heartbeat")
    assert heartbeat_problem(path, 60) is None
    async with httpx.AsyncClient() as client:
        answer = await eventually_ok(client, f"http://127.0.0.1:{port}/api/v1/ping")
        scraped = await client.get(f"http://127.0.0.1:{port}/metrics")
    assert answer == {"status": "ok"}
    assert "pipeline_drift_events_total" in scraped.text, "the process's metrics on the service's port"
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(serving, 5)
    assert not path.exists()


async def test_a_service_whose_http_port_is_taken_does_not_start(tmp_path: Path) -> None:
    path = tmp_path / "heartbeat"
    port = free_port()
    settings = ServiceSettings(
        health=HealthSettings(heartbeat_path=str(path), interval_s=0.01),
        http=HttpSettings(enabled=True, port=port),
    )
    with socket.socket() as squatter:  # the port is taken: the HTTP server cannot start
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        with pytest.raises(HttpStartError, match=f"could not start on 127.0.0.1:{port}"):
            await asyncio.wait_for(serve(ALPHA, settings, get_tracer()), 10)
    assert not path.exists()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def eventually_ok(client: httpx.AsyncClient, url: str) -> Any:
    for _ in range(100):
        try:
            response = await client.get(url)
        except httpx.TransportError:
            await asyncio.sleep(0.05)
            continue
        return response.json()
    raise AssertionError(f"{url} never answered")


# ---- settings and the probe CLI ----------------------------------------------------------------------


def test_settings_read_the_health_part(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMALINE_HEALTH__HEARTBEAT_PATH", "/tmp/x")
    monkeypatch.setenv("SCHEMALINE_HEALTH__INTERVAL_S", "2.5")
    settings = ServiceSettings()
    assert settings.health.heartbeat_path == "/tmp/x"
    assert settings.health.interval_s == 2.5
    assert settings.health.max_age_s > settings.health.interval_s


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "heartbeat"
    assert main(["--path", str(path)]) == 1
    assert capsys.readouterr().out == f"unhealthy: no heartbeat file at {path}\n"
    path.touch()
    assert main(["--path", str(path), "--max-age", "60"]) == 0
    assert capsys.readouterr().out == ""
    os.utime(path, (0, 0))
    assert main(["--path", str(path), "--max-age", "60"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"unhealthy: heartbeat {path} is ")
    assert out.count("\n") == 1


def test_cli_as_a_module(tmp_path: Path) -> None:
    path = tmp_path / "heartbeat"
    command = [sys.executable, "-m", "schemaline.runtime.health", "--path", str(path), "--max-age", "30"]
    missing = subprocess.run(command, capture_output=True, text=True, check=False)
    assert missing.returncode == 1
    assert "no heartbeat file" in missing.stdout
    path.touch()
    assert subprocess.run(command, capture_output=True, check=False).returncode == 0
