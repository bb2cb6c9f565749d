"""A service started with `start` and served by uvicorn on a loopback port, in a thread of its own.

For clients that block (schemathesis, the sync resolver, peers' libraries): the service gets its
own event loop, so its database engine and bus live where they were opened.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn

from schemaline.runtime.service import ServiceSpec, start


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(spec: ServiceSpec[Any, Any], settings: Any, **overrides: Any) -> Iterator[str]:
    """Start `spec` and serve its HTTP API until the block ends; yields the base URL."""
    port = free_port()
    started = threading.Event()
    stop = threading.Event()
    failure: list[BaseException] = []

    async def run() -> None:
        async with start(spec, settings, **overrides) as running:
            server = uvicorn.Server(
                uvicorn.Config(running.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
            )
            task = asyncio.create_task(server.serve())
            while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn sets a flag only
                await asyncio.sleep(0.02)
            started.set()
            while not stop.is_set() and not task.done():  # noqa: ASYNC110 - set from another thread
                await asyncio.sleep(0.05)
            server.should_exit = True
            await task

    def main() -> None:
        try:
            asyncio.run(run())
        except BaseException as exc:  # reported to the test's thread below
            failure.append(exc)
        finally:
            started.set()

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not started.wait(0.05):
        assert time.monotonic() < deadline, f"{spec.name} did not start in time"
    if failure:
        raise RuntimeError(f"{spec.name} did not start") from failure[0]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        thread.join(timeout=30)
