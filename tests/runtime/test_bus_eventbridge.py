"""The bus suite over EventBridge → SQS on a moto server (fails, never skips, without it)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from schemaline.contracts import Envelope
from schemaline.runtime.bus import EventBridgeTransport, EventBus, PermanentError, Transport, build_transport
from schemaline.runtime.bus.dead_letters import redrive
from schemaline.runtime.bus.eventbridge_provision import MissingInfrastructureError
from schemaline.runtime.settings import BusSettings
from tests.runtime.bus_contract import BusContract, landed
from tests.support.aio import eventually


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


@pytest.mark.moto
async def test_without_provisioning_a_missing_bus_fails_at_connect(eventbridge_settings: BusSettings) -> None:
    transport = build_transport(eventbridge_settings.model_copy(update={"provision": False}))
    with pytest.raises(MissingInfrastructureError, match=eventbridge_settings.event_bus):
        await transport.connect()
    await transport.close()


@pytest.mark.moto
async def test_without_provisioning_it_uses_what_exists_and_changes_nothing(
    eventbridge_settings: BusSettings,
) -> None:
    """What infrastructure code made (here: a provisioning transport) is used as it is."""
    maker = build_transport(eventbridge_settings)
    assert isinstance(maker, EventBridgeTransport)
    await maker.connect()
    await maker.declare("validator", ["BatchLanded"])
    user_settings = eventbridge_settings.model_copy(update={"provision": False, "visibility_timeout_s": 7})
    received: list[Envelope[Any]] = []

    async def handler(envelope: Envelope[Any]) -> None:
        received.append(envelope)

    bus = EventBus(build_transport(user_settings))
    bus.subscribe("validator", ["BatchLanded"], handler)
    try:
        await bus.start()
        sent = landed(3)
        await bus.publish(sent)
        await eventually(lambda: [e.id for e in received] == [sent.id], what="delivery")
        url = (await maker.sqs.get_queue_url(QueueName=maker.queue_name("validator")))["QueueUrl"]
        found = await maker.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
        made = str(eventbridge_settings.visibility_timeout_s)
        assert found["Attributes"]["VisibilityTimeout"] == made, "a non-provisioning start changed the queue"
        rules = await maker.events.list_rules(EventBusName=eventbridge_settings.event_bus)
        assert [rule["Name"] for rule in rules["Rules"]] == [maker.rule_name("validator")]
    finally:
        await bus.close()
        await maker.close()


@pytest.mark.moto
async def test_without_provisioning_an_unrouted_detail_type_or_a_missing_queue_fails_at_start(
    eventbridge_settings: BusSettings,
) -> None:
    maker = build_transport(eventbridge_settings)
    await maker.connect()
    await maker.declare("validator", ["BatchLanded"])
    user = build_transport(eventbridge_settings.model_copy(update={"provision": False}))
    await user.connect()
    try:
        with pytest.raises(MissingInfrastructureError, match="does not route SchemaPublished"):
            await user.declare("validator", ["BatchLanded", "SchemaPublished"])
        with pytest.raises(MissingInfrastructureError, match=r"queue .*-governance' does not exist"):
            await user.declare("governance", ["SchemaProposed"])
    finally:
        await user.close()
        await maker.close()


@pytest.mark.moto
async def test_a_redrive_goes_back_to_the_one_service_not_to_every_subscriber(
    eventbridge_settings: BusSettings,
) -> None:
    handled: list[str] = []
    failing = True

    async def handle(envelope: Envelope[Any]) -> None:
        if failing:
            raise PermanentError("not yet")
        handled.append(envelope.id)

    bus = EventBus(build_transport(eventbridge_settings))
    bus.subscribe("validator", ["BatchLanded"], handle)
    transport = bus.transport
    assert isinstance(transport, EventBridgeTransport)
    try:
        await bus.start()
        await transport.declare("governance", ["BatchLanded"])  # another subscriber, not consuming
        other = await transport.sqs.get_queue_url(QueueName=transport.queue_name("governance"))

        async def copies_for_governance() -> int:
            answer = await transport.sqs.receive_message(QueueUrl=other["QueueUrl"], WaitTimeSeconds=2)
            for message in answer.get("Messages", []):
                await transport.sqs.delete_message(
                    QueueUrl=other["QueueUrl"], ReceiptHandle=message["ReceiptHandle"]
                )
            return len(answer.get("Messages", []))

        event = landed(1)
        await bus.publish(event)
        async with asyncio.timeout(30):
            while await transport.dead_letter_count("validator") < 1:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        assert await copies_for_governance() == 1
        failing = False
        result = await redrive(transport, "validator")
        assert (result.republished, result.kept) == (1, 0)
        await eventually(lambda: handled == [event.id], what="the validator gets it back")
        assert await copies_for_governance() == 0, "the redrive reached the validator's queue only"
    finally:
        await bus.close()
