"""The lineage writer's handlers: each recorded event type writes the rows its builder makes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from schemaline.contracts import Envelope
from schemaline.lineage_writer.batcher import BatchWriter
from schemaline.lineage_writer.failures import MetadataSyncFailures
from schemaline.lineage_writer.rows import ROWS, EventRows
from schemaline.lineage_writer.store import LineageReader
from schemaline.runtime.handling import Emitter, Handlers


@dataclass(frozen=True)
class Deps:
    writer: BatchWriter
    failures: MetadataSyncFailures
    reader: LineageReader


def recorded(
    rows: Callable[[Envelope[Any]], EventRows],
) -> Callable[[Envelope[Any], Deps, Emitter], Awaitable[None]]:
    """Write the event's rows; returns after the commit, so the ack follows the write.

    The sink is idempotent on the event id in the same transaction as the rows, so this service
    needs no transaction of the runtime's: writes of many events share one batch.
    """

    async def record(envelope: Envelope[Any], deps: Deps, _out: Emitter) -> None:
        await deps.writer.write(rows(envelope))

    return record


async def announce_failure(envelope: Envelope[Any], deps: Deps, reason: str) -> None:
    """PIPE-1402: the consumer gave up on this event's lineage; it goes to the DLQ next."""
    await deps.failures.dead_lettered(envelope, reason)


HANDLERS = Handlers[Deps]()
HANDLERS.on_dead_letter(announce_failure)
for _event, _rows in ROWS.items():
    HANDLERS.on(_event, recorded(_rows))
