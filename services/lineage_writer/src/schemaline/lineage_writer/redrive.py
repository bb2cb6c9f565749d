"""Re-run the metadata writer (PIPE-1402's operator action): send its dead letters back to the bus."""

from __future__ import annotations

import structlog

from schemaline.contracts import EventDecodeError, decode
from schemaline.lineage_writer.settings import SERVICE
from schemaline.runtime.bus import EventBus

log = structlog.get_logger("schemaline.lineage_writer")


async def redrive(bus: EventBus, service: str = SERVICE) -> tuple[int, int]:
    """Republish every dead-lettered event; (republished, left as unreadable).

    Events go to the exchange again, so every subscriber sees them once more: all are idempotent on
    the event id, so only the writer that missed them acts.
    """
    letters = await bus.dead_letters(service)
    events = []
    unreadable = 0
    for letter in letters:
        try:
            events.append(decode(letter.body))
        except EventDecodeError as exc:
            unreadable += 1
            log.error("dead letter is not an event; dropped from redrive", reason=str(exc))
    await bus.publish_many(events)
    return len(events), unreadable
