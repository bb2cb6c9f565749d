"""One service as its own process on RabbitMQ and PostgreSQL, to kill, cut off and poison.

`python -m schemaline.<service>` with its settings in the environment, migrated first as a deploy
does; a bus of its own (exchange and queues named for the test), a fresh database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import asyncpg

from schemaline.contracts import BatchLanded, Envelope, new_envelope
from schemaline.runtime.bus import EventBus, RabbitMQTransport
from schemaline.runtime.bus.transport import Transport
from tests.e2e.launchers import ProcessLauncher
from tests.e2e.process_stack import SERVICES
from tests.support.postgres import ADMIN_DSN
from tests.support.rabbitmq import AMQP_URL

# The end-to-end stack's services, and the alerts service (which that stack does not start).
PREFIXES = {**SERVICES, "alerts": "SCHEMALINE_ALERTS_"}

# What each service does once per event, as SQL over its own database: (effects, distinct events).
EFFECTS = {
    "lineage_writer": (
        "SELECT count(*), count(DISTINCT event_id) FROM lineage_events WHERE event_id = ANY($1)"
    ),
    "governance": (
        "SELECT count(*), count(DISTINCT ref) FROM ledger_entries WHERE kind = 'event' AND ref = ANY($1)"
    ),
    # An approval: a version of its proposal and a SchemaPublished caused by it in the outbox. Each
    # (event, version) pair counts: a second event for one cause, or a second version, is a duplicate.
    "registry": """
        SELECT count(*), count(DISTINCT published.cause)
        FROM (
            SELECT body::jsonb #>> '{detail,meta,causation_id}' AS cause,
                   body::jsonb #>> '{detail,proposal_id}' AS proposal
            FROM outbox WHERE detail_type = 'SchemaPublished'
        ) AS published
        JOIN schema_versions AS version ON version.proposal_id = published.proposal
        WHERE published.cause = ANY($1)
    """,
    # A detection that opens a case names it; a second handling would count a second detection on it.
    "drift_detector": (
        "SELECT coalesce(sum(detections), 0), count(*) FROM drift_cases WHERE case_id = ANY($1)"
    ),
    # By incident key: an event handled twice would count a second occurrence on its incident.
    "alerts": (
        "SELECT coalesce(sum(occurrences), 0), count(*) FROM alert_incidents WHERE incident_key = ANY($1)"
    ),
}


def landed(tag: str, n: int) -> Envelope[Any]:
    detail = BatchLanded.model_validate(
        {
            "pipeline_id": "finance_raw_ingest",
            "run_id": f"jr-{tag}-{n:06d}",
            "layer": "raw",
            "declared_fqid": "finance.raw.invoice:v1.0",
            "object_uri": f"s3://warehouse/raw/invoice/{tag}/{n}.jsonl",
            "record_count": 10,
        }
    )
    return new_envelope(detail, source="fault-suite")


@dataclass
class ServiceProcess:
    """A service process that a test can SIGKILL and start again on the same queues and database."""

    service: str
    workdir: Path
    tag: str
    database_url: str
    amqp_url: str = AMQP_URL
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    @property
    def heartbeat(self) -> Path:
        return self.workdir / f"{self.service}.heartbeat"

    @property
    def connection_name(self) -> str:
        """What its RabbitMQ connection calls itself (see RabbitMQTransport): to drop it by name."""
        assert self.process is not None
        return f"{self.queue_prefix} pid {self.process.pid}"

    @property
    def queue_prefix(self) -> str:
        return f"fault.{self.tag}"

    def transport(self) -> Transport:
        return RabbitMQTransport(
            self.amqp_url,
            exchange=f"fault.{self.tag}.events",
            queue_prefix=self.queue_prefix,
            queue_expires_s=600,
        )

    async def migrate(self) -> None:
        await self._run("migrate")

    async def start(self) -> None:
        """Start it and wait for its first heartbeat (its consumers run)."""
        self.heartbeat.unlink(missing_ok=True)
        self._log = (self.workdir / f"{self.service}.log").open("ab")
        self.process = ProcessLauncher().start(self.service, self.env, self._log)
        async with asyncio.timeout(60):
            while not self.heartbeat.exists():
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.service} exited: {self.log_tail()}")
                await asyncio.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no ack, no flush."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self._log is not None:
            self._log.close()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self) -> str:
        return (self.workdir / f"{self.service}.log").read_text(errors="replace")[-3000:]

    async def effects(self, ids: list[str]) -> tuple[int, int]:
        """(effects written, distinct events they belong to) for these event ids."""
        conn = await asyncpg.connect(self.database_url.replace("+asyncpg", ""))
        try:
            row = await conn.fetchrow(EFFECTS[self.service], ids)
        finally:
            await conn.close()
        assert row is not None
        return int(row[0]), int(row[1])

    async def _run(self, *args: str) -> None:
        with (self.workdir / f"{self.service}.log").open("ab") as log:
            process = ProcessLauncher().start(self.service, self.env, log, *args)
            code = await asyncio.to_thread(process.wait)
        if code != 0:
            raise RuntimeError(f"{self.service} {' '.join(args)} exited {code}: {self.log_tail()}")


@contextlib.asynccontextmanager
async def service_process(
    service: str, workdir: Path, *, amqp_url: str = AMQP_URL, admin_dsn: str = ADMIN_DSN, **settings: str
) -> AsyncIterator[ServiceProcess]:
    """`service` on a new database and bus of its own; `settings` add to or replace its defaults.

    `amqp_url` and `admin_dsn` (its server's `postgres` database) choose the broker and the server:
    the shared ones, or a test's own that it may stop (tests/faults/private.py).
    """
    tag = uuid.uuid4().hex[:8]
    name = f"fault_{tag}_{service}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    server = admin_dsn.removeprefix("postgresql://").rpartition("/")[0]
    url = f"postgresql+asyncpg://{server}/{name}"
    running = ServiceProcess(service, workdir, tag, url, amqp_url)
    values = {
        "BUS__TRANSPORT": "rabbitmq",
        "BUS__AMQP_URL": amqp_url,
        "BUS__EXCHANGE": f"fault.{tag}.events",
        "BUS__QUEUE_PREFIX": running.queue_prefix,
        "BUS__QUEUE_EXPIRES_S": "600",
        "BUS__RETRY_BACKOFF_S": "0.05",
        "BUS__MAX_BACKOFF_S": "1",
        "DATABASE__URL": url,
        "HEALTH__HEARTBEAT_PATH": str(running.heartbeat),
        "HEALTH__INTERVAL_S": "0.2",
        "LOG__LEVEL": "WARNING",
        **settings,
    }
    running.env = {PREFIXES[service] + key: value for key, value in values.items()}
    try:
        await running.migrate()
        await running.start()
        yield running
    finally:
        running.stop()
        cleaner = running.transport()
        with contextlib.suppress(Exception):
            await cleaner.connect()
            assert isinstance(cleaner, RabbitMQTransport)
            await cleaner.delete([service])
            await cleaner.close()
        admin = await asyncpg.connect(admin_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def publisher(target: ServiceProcess) -> EventBus:
    bus = EventBus(target.transport())
    await bus.connect()
    return bus


@dataclass
class Figures:
    """One row of docs/reliability.md's table."""

    fault: str
    service: str
    sent: int
    lost: int
    duplicated: int
    recovery_s: float
    note: str = ""

    def line(self) -> str:
        return json.dumps(self.__dict__ | {"at": datetime.now(UTC).isoformat(timespec="seconds")})
