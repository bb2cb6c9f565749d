"""The alerts service on an in-process bus and SQLite, its channels real: SNS on a moto server and
a Slack-compatible webhook served on loopback (which can be told to fail)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from sqlalchemy import select

from schemaline.alerts.settings import AlertsSettings
from schemaline.alerts.spec import SPEC
from schemaline.alerts.tables import deliveries
from schemaline.contracts import Envelope
from schemaline.runtime.bus import EventBus, InMemoryTransport
from schemaline.runtime.service import Running, start
from schemaline.runtime.tables import processed_events


@dataclass
class Webhook:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    fail_next: int = 0  # answer 500 to this many requests first


@contextlib.contextmanager
def webhook_receiver() -> Iterator[Webhook]:
    hook = Webhook("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = 200
            if hook.fail_next > 0:
                hook.fail_next -= 1
                status = 500
            else:
                hook.received.append(json.loads(body))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hook.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Topic:
    """An SNS topic with an SQS queue subscribed, to read back what was published."""

    arn: str
    queue_url: str
    sqs: Any
    seen: list[dict[str, Any]] = field(default_factory=list)

    def messages(self) -> list[dict[str, Any]]:
        while True:
            answer = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            )
            batch = answer.get("Messages", [])
            if not batch:
                return self.seen
            for message in batch:
                self.seen.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def topic(moto_endpoint: str) -> Topic:
    sns = boto3.client("sns", region_name="eu-west-1", endpoint_url=moto_endpoint)
    sqs = boto3.client("sqs", region_name="eu-west-1", endpoint_url=moto_endpoint)
    name = f"alerts-{id(sns)}"
    arn = sns.create_topic(Name=name)["TopicArn"]
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
    return Topic(arn, queue_url, sqs)


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    with webhook_receiver() as hook:
        yield hook


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Alerts:
    """Starts (and restarts) the service on one database and one bus."""

    settings: AlertsSettings
    transport: InMemoryTransport
    clock: Clock

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Running[Any, Any]]:
        async with start(SPEC, self.settings, transport=self.transport, clock=self.clock) as running:
            yield running

    async def publish(self, running: Running[Any, Any], envelope: Envelope[Any]) -> None:
        await EventBus(self.transport).publish(envelope)
        await until(running, lambda rows: envelope.id in rows, processed_events.c.event_id)

    async def settled(self, running: Running[Any, Any]) -> None:
        """Every staged delivery went out."""
        await until(running, lambda rows: None not in rows, deliveries.c.delivered_at)


async def until(running: Running[Any, Any], done: Callable[[list[Any]], bool], column: Any) -> None:
    assert running.engine is not None
    for _ in range(1000):
        async with running.engine.connect() as conn:
            rows = list((await conn.execute(select(column))).scalars())
        if done(rows):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"not done: {column}")


@pytest.fixture
def alerts(tmp_path: Path, topic: Topic, webhook: Webhook, moto_endpoint: str) -> Alerts:
    settings = AlertsSettings.model_validate(
        {
            "bus": {"transport": "memory", "retry_backoff_s": 0.01},
            "database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'alerts.db'}"},
            "sns": {"topic_arn": topic.arn, "endpoint_url": moto_endpoint},
            "webhook": {"url": webhook.url},
            "delivery": {"poll_interval_s": 0.02, "retry_backoff_s": 0.01, "max_backoff_s": 0.05},
            "reminder_after_s": 3600,
        }
    )
    return Alerts(settings, InMemoryTransport(), Clock())
