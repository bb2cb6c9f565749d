"""A PostgreSQL server and a RabbitMQ node of the test's own, to stop and start again.

The shared ones on 5432 and 5672 serve other tests and processes: a fault that stops a whole
server runs on one of these instead, on free loopback ports, in a temporary directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.process_stack import free_port

# Debian's /usr/sbin/rabbitmq* wrappers switch to the rabbitmq user, who can read neither the test's
# directories nor its Erlang cookie: the scripts themselves run the node as the test's own user.
RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")


async def _run(command: list[str], env: Mapping[str, str] | None = None) -> str:
    """Run `command`; its output, or an error that carries it."""
    done = await asyncio.to_thread(
        subprocess.run,
        command,
        env=None if env is None else os.environ | dict(env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stdout}{done.stderr}")
    return done.stdout


def _postgres_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not versions:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/<version>/bin")
    return versions[-1]


@dataclass(frozen=True)
class PrivatePostgres:
    """One cluster, trust auth, on 127.0.0.1:`port`; run as the postgres user when the test is root."""

    directory: Path
    port: int

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def _data(self) -> Path:
        return self.directory / "data"

    async def _pg(self, tool: str, *args: str) -> str:
        # PostgreSQL refuses to run as root.
        user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return await _run([*user, str(_postgres_bin() / tool), *args])

    async def init(self) -> None:
        await self._pg(
            "initdb", "-D", str(self._data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"
        )

    async def start(self) -> None:
        """Start it and wait until it accepts connections."""
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.directory}"
        await self._pg(
            "pg_ctl", "-D", str(self._data), "-l", str(self.directory / "log"), "-o", options, "-w", "start"
        )

    async def stop(self, mode: str = "fast") -> None:
        """Stop it: `fast` ends every session (what a restart does), `immediate` is a crash."""
        await self._pg("pg_ctl", "-D", str(self._data), "-m", mode, "-w", "stop")

    def log_tail(self) -> str:
        log = self.directory / "log"
        return log.read_text(errors="replace")[-3000:] if log.exists() else ""


@contextlib.asynccontextmanager
async def private_postgres() -> AsyncIterator[PrivatePostgres]:
    """A new cluster, started; stopped and removed afterwards."""
    # Not pytest's tmp_path: its parents are private to root, and the server runs as postgres.
    directory = Path(tempfile.mkdtemp(prefix="schemaline-fault-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    server = PrivatePostgres(directory, free_port())
    try:
        await server.init()
        await server.start()
        yield server
    except BaseException as exc:
        exc.add_note(f"private PostgreSQL's log: {server.log_tail()}")
        raise
    finally:
        with contextlib.suppress(Exception):
            await server.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)


@dataclass(frozen=True)
class PrivateRabbitMQ:
    """One node, no plugins, on 127.0.0.1:`port`, its Mnesia and logs in `directory`."""

    directory: Path
    node: str
    port: int
    dist_port: int

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    @property
    def _env(self) -> dict[str, str]:
        return {
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            # Its own config file: the system's names the shared broker's listener (5672).
            "RABBITMQ_CONFIG_FILE": str(self.directory / "rabbitmq"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.directory / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(self.directory / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.directory / "log"),
            "RABBITMQ_PID_FILE": str(self.directory / "pid"),
        }

    async def ctl(self, *args: str) -> str:
        return await _run([str(RABBITMQ_BIN / "rabbitmqctl"), "-n", self.node, *args])

    async def start(self) -> None:
        """Start the node (detached) and wait until it takes connections."""
        await _run([str(RABBITMQ_BIN / "rabbitmq-server"), "-detached"], env=self._env)
        async with asyncio.timeout(90):
            while True:
                # await_startup fails at once until the new node has registered with epmd: ask again.
                try:
                    await self.ctl("await_startup", "--timeout", "60")
                    return
                except RuntimeError:
                    await asyncio.sleep(0.5)

    async def stop(self) -> None:
        """Stop the whole node (the Erlang VM too) and wait until its process is gone."""
        await self.ctl("stop", str(self.directory / "pid"))

    def log_tail(self) -> str:
        logs = sorted((self.directory / "log").glob("*.log"))
        return "".join(log.read_text(errors="replace")[-3000:] for log in logs)


@contextlib.asynccontextmanager
async def private_rabbitmq() -> AsyncIterator[PrivateRabbitMQ]:
    """A new node, started; stopped and removed afterwards."""
    cookie = Path.home() / ".erlang.cookie"
    if not cookie.exists():
        # The node and rabbitmqctl would each make one if missing, racing: make it before either.
        cookie.write_text(secrets.token_hex(20))
        cookie.chmod(0o400)
    directory = Path(tempfile.mkdtemp(prefix="schemaline-fault-rabbit-"))
    node = PrivateRabbitMQ(directory, f"fault-{uuid.uuid4().hex[:8]}@localhost", free_port(), free_port())
    (directory / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{node.port}\n")
    (directory / "enabled_plugins").write_text("[].\n")
    try:
        await node.start()
        yield node
    except BaseException as exc:
        exc.add_note(f"private RabbitMQ's log: {node.log_tail()}")
        raise
    finally:
        try:
            await node.stop()
        except Exception:  # it would not stop, or stopped already: no process may outlive the test
            with contextlib.suppress(OSError, ValueError):
                os.kill(int((directory / "pid").read_text()), signal.SIGKILL)
        shutil.rmtree(directory, ignore_errors=True)
