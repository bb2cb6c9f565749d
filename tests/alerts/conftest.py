"""The alerts service on an in-process bus and SQLite, its channels real: SNS on a moto server and
a Slack-compatible webhook served on loopback (tests.support.webhook)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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
from tests.support.webhook import Webhook, webhook_receiver


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
