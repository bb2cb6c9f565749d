"""In-process transport: the embedded default and the fast half of the bus test suite."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncGenerator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from schemaline.contracts import Envelope, decode
from schemaline.runtime.bus.transport import DeadLetter, HeldLetterBase, InboundMessage, OutgoingMessage


@dataclass(slots=True)
class _Message:
    routing_key: str
    body: bytes
    message_id: str | None
    redelivered: bool = False
    owner: _ServiceQueue | None = field(default=None, repr=False)
    settled: bool = False

    async def ack(self) -> None:
        self._settle()

    async def requeue(self) -> None:
        self._settle()
        assert self.owner is not None
        self.owner.put(_Message(self.routing_key, self.body, self.message_id, redelivered=True))

    def _settle(self) -> None:
        if self.settled:
            raise RuntimeError("message already acknowledged")
        self.settled = True
        if self.owner is not None:
            self.owner.in_flight.pop(id(self), None)


class _HeldLetter(HeldLetterBase):
    __slots__ = ("dlq",)

    def __init__(self, letter: DeadLetter, dlq: list[DeadLetter]) -> None:
        super().__init__(letter)
        self.dlq = dlq

    async def ack(self) -> None:
        self._settle()

    async def requeue(self) -> None:
        self._settle()
        self.dlq.insert(0, self.letter)


@dataclass
class _ServiceQueue:
    keys: set[str] = field(default_factory=set)
    ready: asyncio.Queue[_Message] = field(default_factory=asyncio.Queue)
    dlq: list[DeadLetter] = field(default_factory=list)
    in_flight: dict[int, _Message] = field(default_factory=dict)

    def put(self, message: _Message) -> None:
        message.owner = self
        self.ready.put_nowait(message)


class InMemoryTransport:
    """Queues live in this object; share one instance between the services of one process.

    Messages left unacknowledged when a consumer stops go back to their queue as redelivered,
    as a broker would do when a channel closes.
    """

    system = "in-memory"
    destination = "schemaline.events"

    def __init__(self) -> None:
        self._queues: dict[str, _ServiceQueue] = defaultdict(_ServiceQueue)
        self.published: list[OutgoingMessage] = []

    def span_attributes(self, routing_key: str, service: str | None = None) -> dict[str, str]:
        # No broker: the consumer's destination is the service's in-process queue.
        return {"messaging.system": self.system, "messaging.destination.name": service or self.destination}

    async def connect(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        for message in messages:
            self.published.append(message)
            for queue in self._queues.values():
                if message.routing_key in queue.keys:
                    queue.put(_Message(message.routing_key, message.body, message.message_id))

    async def declare(self, service: str, routing_keys: Iterable[str]) -> None:
        self._queues[service].keys.update(routing_keys)

    async def consume(self, service: str) -> AsyncGenerator[_Message, None]:
        queue = self._queues[service]
        try:
            while True:
                message = await queue.ready.get()
                queue.in_flight[id(message)] = message
                # It leaves in_flight when settled: with a concurrent consumer the next message is
                # asked for before this one is acknowledged.
                yield message
        finally:
            # The consumer stopped: whatever it held but did not settle goes back, redelivered.
            for message in list(queue.in_flight.values()):
                if not message.settled:
                    message.settled = True
                    queue.put(_Message(message.routing_key, message.body, message.message_id, True))
            queue.in_flight.clear()

    async def dead_letter(self, service: str, message: InboundMessage, reason: str) -> None:
        letter = DeadLetter(service, message.body, message.routing_key, reason, message_id=message.message_id)
        self._queues[service].dlq.append(letter)
        await message.ack()

    async def take_dead_letter(self, service: str) -> _HeldLetter | None:
        dlq = self._queues[service].dlq
        return _HeldLetter(dlq.pop(0), dlq) if dlq else None

    async def dead_letter_count(self, service: str) -> int:
        return len(self._queues[service].dlq)

    async def redeliver(self, service: str, body: bytes, routing_key: str, message_id: str | None) -> None:
        self._queues[service].put(_Message(routing_key, body, message_id, redelivered=True))

    def events(self) -> list[Envelope[Any]]:
        """Every event published so far, decoded: what a handler test asserts on."""
        return [decode(message.body) for message in self.published]

    def idle(self) -> bool:
        """No message waits in any queue and none is being handled."""
        return all(not queue.ready.qsize() and not queue.in_flight for queue in self._queues.values())

    def depth(self, service: str) -> int:
        return self._queues[service].ready.qsize()
