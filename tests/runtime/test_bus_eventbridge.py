"""The bus suite over EventBridge → SQS on a moto server (fails, never skips, without it)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import pytest

from schemaline.runtime.bus import EventBridgeTransport, Transport, build_transport
from schemaline.runtime.settings import BusSettings
from tests.runtime.bus_contract import BusContract


@pytest.fixture
def eventbridge_settings(moto_endpoint: str) -> BusSettings:
    """Bus settings of this test alone: its own bus, rules and queues on the session's moto server."""
    tag = uuid.uuid4().hex[:10]
    return BusSettings(
        transport="eventbridge",
        event_bus=f"test-{tag}-events",
        queue_prefix=f"test-{tag}",
        aws_endpoint_url=moto_endpoint,
        retry_backoff_s=0.01,
        wait_time_s=1,
        visibility_timeout_s=5,
    )


@pytest.mark.moto
class TestEventBridgeBus(BusContract):
    @pytest.fixture
    def make_transport(self, eventbridge_settings: BusSettings) -> Callable[[], Transport]:
        return lambda: build_transport(eventbridge_settings)


@pytest.mark.moto
async def test_declare_wires_rule_queue_policy_and_dlq(eventbridge_settings: BusSettings) -> None:
    transport = build_transport(eventbridge_settings)
    assert isinstance(transport, EventBridgeTransport)
    await transport.connect()
    try:
        await transport.declare("validator", ["SchemaPublished", "BatchLanded"])
        await transport.declare("validator", ["SchemaPublished", "BatchLanded"])  # idempotent
        bus = eventbridge_settings.event_bus
        rule = await transport.events.describe_rule(Name=transport.rule_name("validator"), EventBusName=bus)
        assert json.loads(rule["EventPattern"]) == {"detail-type": ["BatchLanded", "SchemaPublished"]}
        targets = await transport.events.list_targets_by_rule(
            Rule=transport.rule_name("validator"), EventBusName=bus
        )
        queue_url = (await transport.sqs.get_queue_url(QueueName=transport.queue_name("validator")))[
            "QueueUrl"
        ]
        attributes = (await transport.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"]))[
            "Attributes"
        ]
        assert [target["Arn"] for target in targets["Targets"]] == [attributes["QueueArn"]]
        statement = json.loads(attributes["Policy"])["Statement"][0]
        assert statement["Principal"] == {"Service": "events.amazonaws.com"}
        assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == rule["Arn"]
        redrive = json.loads(attributes["RedrivePolicy"])
        assert redrive["deadLetterTargetArn"].endswith(":" + transport.dlq_name("validator"))
    finally:
        await transport.close()
