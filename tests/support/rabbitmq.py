"""RabbitMQ on 127.0.0.1:5672. A missing broker fails the test: it never skips."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import AsyncIterator

import pytest

from schemaline.runtime.bus import RabbitMQTransport
from schemaline.runtime.settings import BusSettings

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


@pytest.fixture
async def rabbit_settings() -> AsyncIterator[BusSettings]:
    """Bus settings of this test alone: its exchange is deleted after it, its queues expire."""
    tag = uuid.uuid4().hex[:10]
    settings = BusSettings(
        transport="rabbitmq",
        exchange=f"test.{tag}.events",
        queue_prefix=f"test.{tag}",
        retry_backoff_s=0.01,
        queue_expires_s=60,
    )
    yield settings
    cleaner = RabbitMQTransport(AMQP_URL, exchange=settings.exchange, queue_prefix=settings.queue_prefix)
    await cleaner.connect()
    try:
        await cleaner.delete()
    finally:
        await cleaner.close()


def drop_connections(name: str) -> int:
    """Close, on the broker's side, every connection whose client named itself `name` (a dropped link).

    Only connections of this name: other tests and processes on the same broker keep theirs.
    """
    listed = subprocess.run(
        ["rabbitmqctl", "list_connections", "-q", "--no-table-headers", "pid", "client_properties"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    closed = 0
    for line in listed.stdout.splitlines():
        pid, _, properties = line.partition("\t")
        if f'{{"connection_name","{name}"}}' in properties:
            subprocess.run(
                ["rabbitmqctl", "close_connection", pid, "test: connection dropped"],
                capture_output=True,
                check=True,
                timeout=30,
            )
            closed += 1
    return closed
