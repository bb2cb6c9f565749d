"""Dead letters put in a DLQ directly, as a consumer would have left them."""

from __future__ import annotations

import json

from schemaline.runtime.bus import Transport

# What a consumer's operator API serves when it has no routes of its own (runtime.dead_letter_api).
DLQ_API_ROUTES = {
    "/api/v1/health",
    "/api/v1/whoami",
    "/api/v1/dlq",
    "/api/v1/dlq/{message_id}",
    "/api/v1/dlq/redrive",
}


class Letter:
    """A delivered-message stand-in, to put a letter in a DLQ directly."""

    def __init__(self, body: bytes, routing_key: str = "BatchLanded") -> None:
        self.body = body
        self.routing_key = routing_key
        self.redelivered = False
        event = json.loads(body) if body.startswith(b'{"') else {}
        self.message_id: str | None = event.get("id", "junk")

    async def ack(self) -> None:
        return None

    async def requeue(self) -> None:
        return None


async def dead_letter(transport: Transport, service: str, body: bytes, routing_key: str, reason: str) -> None:
    await transport.dead_letter(service, Letter(body, routing_key), reason)
