"""RabbitMQ on 127.0.0.1:5672. A missing broker fails the test: it never skips."""

from __future__ import annotations

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
