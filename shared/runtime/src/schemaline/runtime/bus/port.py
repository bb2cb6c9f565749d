"""The bus port: publish typed events; subscribe plain async handlers to detail-types."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Protocol

from schemaline.contracts import Envelope

Handler = Callable[[Envelope[Any]], Awaitable[None]]
# Called with the event and the reason just before its message goes to the DLQ (a service's alert).
DeadLetterHook = Callable[[Envelope[Any], str], Awaitable[None]]


class Publisher(Protocol):
    """What a service needs to emit events."""

    async def publish(self, envelope: Envelope[Any]) -> None:
        """Publish one event; returns once the bus has accepted it (publisher confirm)."""

    async def publish_many(self, envelopes: Sequence[Envelope[Any]]) -> None:
        """Publish several events, awaiting all confirms together."""


class Bus(Publisher, Protocol):
    """A publisher that can also deliver events to named services' handlers."""

    def subscribe(self, service: str, detail_types: Iterable[str], handler: Handler) -> None:
        """Route events of these detail-types to `handler`, through `service`'s durable queue."""

    async def start(self) -> None:
        """Open connections, declare queues and start consuming."""

    async def close(self) -> None:
        """Stop consuming (unacked messages return to their queues) and close connections."""
