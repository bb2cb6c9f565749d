"""EventBridge → SQS transport (aiobotocore): publish to a bus; each service consumes its SQS queue."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncGenerator, Iterable, Sequence
from typing import Any

from schemaline.runtime.aws import aws_session
from schemaline.runtime.bus.eventbridge_provision import (
    ServiceWiring,
    ensure_bus,
    existing_bus,
    provision,
    verify,
)
from schemaline.runtime.bus.eventbridge_publish import ResendPolicy, put_events
from schemaline.runtime.bus.eventbridge_wire import from_sqs_body, to_entry
from schemaline.runtime.bus.transport import DeadLetter, HeldLetterBase, InboundMessage, OutgoingMessage

REASON_ATTRIBUTE = "schemaline-dlq-reason"
ROUTING_KEY_ATTRIBUTE = "schemaline-routing-key"
SERVICE_ATTRIBUTE = "schemaline-service"
REDRIVEN_REASON = "moved by SQS after maxReceiveCount receives (the consumer never settled it)"
MAX_REASON_CHARS = 16_000  # well inside SQS's 256 KB per message, body included


class _Delivery:
    """One received SQS message; settling it deletes it or makes it visible again."""

    __slots__ = (
        "_held",
        "_queue_url",
        "_sqs",
        "body",
        "message_id",
        "receipt",
        "redelivered",
        "routing_key",
        "settled",
    )

    def __init__(
        self, sqs: Any, queue_url: str, held: dict[str, _Delivery], message: dict[str, Any], account: str
    ) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._held = held
        self.receipt: str = message["ReceiptHandle"]
        self.body, self.routing_key = from_sqs_body(message["Body"], account=account)
        self.message_id: str | None = _event_id(self.body) or message.get("MessageId")
        receive_count = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        self.redelivered = receive_count > 1
        self.settled = False

    async def ack(self) -> None:
        self._settle()
        await self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=self.receipt)

    async def requeue(self) -> None:
        self._settle()
        await self._sqs.change_message_visibility(
            QueueUrl=self._queue_url, ReceiptHandle=self.receipt, VisibilityTimeout=0
        )

    def _settle(self) -> None:
        if self.settled:
            raise RuntimeError("message already acknowledged")
        self.settled = True
        self._held.pop(self.receipt, None)


class _HeldLetter(HeldLetterBase):
    """A dead letter received from the DLQ: invisible to others until deleted or made visible."""

    __slots__ = ("_queue_url", "_receipt", "_sqs")

    def __init__(self, sqs: Any, queue_url: str, letter: DeadLetter, receipt: str) -> None:
        super().__init__(letter)
        self._sqs = sqs
        self._queue_url = queue_url
        self._receipt = receipt

    async def ack(self) -> None:
        self._settle()
        await self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=self._receipt)

    async def requeue(self) -> None:
        self._settle()
        await self._sqs.change_message_visibility(
            QueueUrl=self._queue_url, ReceiptHandle=self._receipt, VisibilityTimeout=0
        )


def _event_id(body: bytes) -> str | None:
    with contextlib.suppress(ValueError, RecursionError):
        event = json.loads(body)
        event_id = event.get("id") if isinstance(event, dict) else None
        if isinstance(event_id, str):
            return event_id
    return None


class EventBridgeTransport:
    """Publishes with PutEvents; each service consumes its own SQS queue, fed by its rule.

    With `provision` (the default, for dev and tests) `connect()` makes sure the bus exists and
    `declare()` makes the service's queue, DLQ, rule, queue policy and target, idempotently. Without
    it (production: deploy/aws made them) both only look them up and fail when something is missing.
    """

    system = "aws_sqs"

    def __init__(
        self,
        *,
        event_bus: str = "schemaline-events",
        region: str = "eu-west-1",
        endpoint_url: str | None = None,
        queue_prefix: str = "schemaline",
        wait_time_s: int = 20,
        visibility_timeout_s: int = 60,
        max_receive_count: int = 10,
        resend: ResendPolicy | None = None,
        provision: bool = True,
    ) -> None:
        self.destination = event_bus
        self._region = region
        self._endpoint_url = endpoint_url
        self._queue_prefix = queue_prefix
        self._wait_time_s = wait_time_s
        self._visibility_timeout_s = visibility_timeout_s
        self._max_receive_count = max_receive_count
        self._resend = resend or ResendPolicy()
        self.provision = provision
        self._stack: contextlib.AsyncExitStack | None = None
        self._events: Any = None
        self._sqs: Any = None
        self._account = ""
        self._queue_urls: dict[str, str] = {}

    def queue_name(self, service: str) -> str:
        return f"{self._queue_prefix}-{service}"

    def dlq_name(self, service: str) -> str:
        return f"{self.queue_name(service)}-dlq"

    def rule_name(self, service: str) -> str:
        return f"{self._queue_prefix}-{service}"

    def wiring(self, service: str) -> ServiceWiring:
        return ServiceWiring(
            self.destination, self.queue_name(service), self.dlq_name(service), self.rule_name(service)
        )

    def span_attributes(self, routing_key: str, service: str | None = None) -> dict[str, str]:
        # A publish goes to the event bus; a consumer reads its SQS queue. The detail-type is the
        # event's name (the span's), not a routing key: SQS has none.
        return {
            "messaging.system": self.system,
            "messaging.destination.name": self.destination if service is None else self.queue_name(service),
        }

    @property
    def sqs(self) -> Any:
        if self._sqs is None:
            raise RuntimeError("EventBridgeTransport used before connect()")
        return self._sqs

    @property
    def events(self) -> Any:
        if self._events is None:
            raise RuntimeError("EventBridgeTransport used before connect()")
        return self._events

    async def connect(self) -> None:
        session = aws_session()
        stack = contextlib.AsyncExitStack()
        try:
            options = {"region_name": self._region, "endpoint_url": self._endpoint_url}
            self._events = await stack.enter_async_context(session.create_client("events", **options))
            self._sqs = await stack.enter_async_context(session.create_client("sqs", **options))
            find_bus = ensure_bus if self.provision else existing_bus
            bus_arn = await find_bus(self._events, self.destination)
        except BaseException:
            await stack.aclose()
            self._events = self._sqs = None
            raise
        self._stack = stack
        self._account = bus_arn.split(":")[4]

    async def close(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
        self._stack = None
        self._events = self._sqs = None
        self._queue_urls.clear()

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        entries = [to_entry(message, self.destination) for message in messages]
        await put_events(self.events, entries, resend=self._resend)

    async def declare(self, service: str, routing_keys: Iterable[str]) -> None:
        keys = sorted(set(routing_keys))
        if self.provision:
            urls = await provision(
                self.events,
                self.sqs,
                self.wiring(service),
                keys,
                visibility_timeout_s=self._visibility_timeout_s,
                max_receive_count=self._max_receive_count,
            )
        else:
            urls = await verify(self.events, self.sqs, self.wiring(service), keys)
        self._queue_urls.update(urls)

    async def _url(self, name: str) -> str:
        if name not in self._queue_urls:
            self._queue_urls[name] = str((await self.sqs.get_queue_url(QueueName=name))["QueueUrl"])
        return self._queue_urls[name]

    async def consume(self, service: str) -> AsyncGenerator[_Delivery, None]:
        url = await self._url(self.queue_name(service))
        held: dict[str, _Delivery] = {}  # received, not yet settled: handed back when we stop
        try:
            while True:
                response = await self.sqs.receive_message(
                    QueueUrl=url,
                    MaxNumberOfMessages=10,
                    WaitTimeSeconds=self._wait_time_s,
                    MessageSystemAttributeNames=["ApproximateReceiveCount"],
                )
                batch = []
                for message in response.get("Messages", []):
                    delivery = _Delivery(self.sqs, url, held, message, self._account)
                    held[delivery.receipt] = delivery
                    batch.append(delivery)
                for delivery in batch:
                    yield delivery
        finally:
            # Make what this consumer held visible again now, not when its visibility times out.
            unsettled = [delivery for delivery in held.values() if not delivery.settled]
            for delivery in unsettled:
                delivery.settled = True
            held.clear()
            await self._release(url, [delivery.receipt for delivery in unsettled])

    async def _release(self, url: str, receipts: list[str]) -> None:
        if self._sqs is None:
            return  # closed already: the visibility timeout will return them
        for start in range(0, len(receipts), 10):
            entries = [
                {"Id": str(n), "ReceiptHandle": receipt, "VisibilityTimeout": 0}
                for n, receipt in enumerate(receipts[start : start + 10])
            ]
            await self._sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)

    async def dead_letter(self, service: str, message: InboundMessage, reason: str) -> None:
        attributes = {
            REASON_ATTRIBUTE: reason[:MAX_REASON_CHARS] or "unknown",
            SERVICE_ATTRIBUTE: service,
        }
        if message.routing_key:
            attributes[ROUTING_KEY_ATTRIBUTE] = message.routing_key
        await self.sqs.send_message(
            QueueUrl=await self._url(self.dlq_name(service)),
            MessageBody=message.body.decode("utf-8", errors="replace"),
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
            },
        )
        await message.ack()

    async def take_dead_letter(self, service: str) -> _HeldLetter | None:
        url = await self._url(self.dlq_name(service))
        response = await self.sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=1,
            WaitTimeSeconds=0,
            VisibilityTimeout=self._visibility_timeout_s,
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if not messages:
            return None
        return _HeldLetter(self.sqs, url, self._letter(service, messages[0]), messages[0]["ReceiptHandle"])

    async def dead_letter_count(self, service: str) -> int:
        url = await self._url(self.dlq_name(service))
        answer = await self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(answer["Attributes"]["ApproximateNumberOfMessages"])

    async def redeliver(self, service: str, body: bytes, routing_key: str, message_id: str | None) -> None:
        # Straight to the service's own queue, as EventBridge would deliver it (an envelope is an
        # EventBridge event): no other subscriber sees it again, and the service's role needs no
        # right to publish another service's detail-type.
        await self.sqs.send_message(
            QueueUrl=await self._url(self.queue_name(service)), MessageBody=body.decode("utf-8")
        )

    def _letter(self, service: str, message: dict[str, Any]) -> DeadLetter:
        attributes = {
            name: str(value.get("StringValue", ""))
            for name, value in message.get("MessageAttributes", {}).items()
        }
        if REASON_ATTRIBUTE in attributes:
            body, routing_key = message["Body"].encode(), attributes.get(ROUTING_KEY_ATTRIBUTE, "")
            reason = attributes[REASON_ATTRIBUTE]
        else:  # SQS's redrive moved it: the body is still EventBridge's
            body, routing_key = from_sqs_body(message["Body"], account=self._account)
            reason = REDRIVEN_REASON
        return DeadLetter(service, body, routing_key, reason, attributes, _event_id(body))
