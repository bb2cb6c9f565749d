"""The transport port: raw messages in and out. Bytes become models only in the consumer loop."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    routing_key: str
    body: bytes
    message_id: str
    headers: Mapping[str, str] = field(default_factory=dict)


class InboundMessage(Protocol):
    """A delivered message; exactly one of ack / requeue / the transport's dead_letter ends it."""

    @property
    def body(self) -> bytes: ...

    @property
    def routing_key(self) -> str: ...

    @property
    def message_id(self) -> str | None: ...

    @property
    def redelivered(self) -> bool: ...

    async def ack(self) -> None: ...

    async def requeue(self) -> None: ...


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message a service could not process, with why."""

    service: str
    body: bytes
    routing_key: str
    reason: str
    headers: Mapping[str, Any] = field(default_factory=dict)
    message_id: str | None = None


class HeldLetter(InboundMessage, Protocol):
    """A dead letter taken from a DLQ and held: `ack` removes it, `requeue` puts it back unchanged.

    Held, it is invisible to others; if the holder dies first the broker puts it back, so taking a
    letter never loses it.
    """

    @property
    def letter(self) -> DeadLetter: ...


class HeldLetterBase:
    """What a held letter is whatever holds it: its letter's fields, settled once. A transport adds
    `ack` and `requeue` (each calling `_settle` first)."""

    __slots__ = ("letter", "settled")
    redelivered = True

    def __init__(self, letter: DeadLetter) -> None:
        self.letter = letter
        self.settled = False

    @property
    def body(self) -> bytes:
        return self.letter.body

    @property
    def routing_key(self) -> str:
        return self.letter.routing_key

    @property
    def message_id(self) -> str | None:
        return self.letter.message_id

    def _settle(self) -> None:
        if self.settled:
            raise RuntimeError("dead letter already settled")
        self.settled = True


class Transport(Protocol):
    """A message broker seen from Schemaline: topic routing by detail-type, a queue per service."""

    system: str  # messaging.system for traces: "rabbitmq", "aws_sqs", "in-memory"
    destination: str  # the exchange / bus name

    def span_attributes(self, routing_key: str, service: str | None = None) -> dict[str, str]:
        """OTel messaging attributes of a publish (`service` None) or of `service`'s consume.

        Each transport knows its system's conventions (what the destination is, which
        system-specific attributes apply), so the publisher and the consumer loop stay generic.
        """

    async def connect(self) -> None: ...

    async def close(self) -> None: ...

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        """Publish and wait for every confirm; raises if any was not confirmed."""

    async def declare(self, service: str, routing_keys: Iterable[str]) -> None:
        """Declare the service's durable queue (bound to the keys) and its dead-letter queue."""

    def consume(self, service: str) -> AsyncGenerator[InboundMessage, None]:
        """Deliveries from the service's queue until the transport closes."""

    async def dead_letter(self, service: str, message: InboundMessage, reason: str) -> None:
        """Move the message to the service's DLQ with the reason, then ack the original."""

    async def take_dead_letter(self, service: str) -> HeldLetter | None:
        """Hold the next letter of the service's DLQ, or None when it is empty."""

    async def dead_letter_count(self, service: str) -> int:
        """Letters in the service's DLQ that nobody holds."""

    async def redeliver(self, service: str, body: bytes, routing_key: str, message_id: str | None) -> None:
        """Send a message back to the service's queue (only its consumer sees it where the broker can)."""
