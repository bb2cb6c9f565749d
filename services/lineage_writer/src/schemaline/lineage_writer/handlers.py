"""The lineage writer's handler and its table: one recording handler for six event types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from schemaline.contracts import (
    BatchLanded,
    DriftResolved,
    Envelope,
    EventDetail,
    PipelineFailed,
    SchemaDriftDetected,
    SchemaPublished,
    SchemaValidated,
)
from schemaline.lineage_writer.batcher import BatchWriter
from schemaline.lineage_writer.failures import MetadataSyncFailures
from schemaline.lineage_writer.rows import to_rows
from schemaline.runtime.bus import Handler

RECORDED: tuple[type[EventDetail], ...] = (
    BatchLanded,
    SchemaValidated,
    SchemaDriftDetected,
    PipelineFailed,
    SchemaPublished,
    DriftResolved,
)


@dataclass(frozen=True)
class Deps:
    writer: BatchWriter
    failures: MetadataSyncFailures


async def record(envelope: Envelope[Any], deps: Deps) -> None:
    """Write the event's lineage; returns after commit, so the ack follows the write."""
    try:
        await deps.writer.write(to_rows(envelope))
    except Exception as exc:
        await deps.failures.failed(envelope, exc)
        raise
    deps.failures.succeeded(envelope.id)


def handlers(deps: Deps) -> Mapping[type[EventDetail], Handler]:
    async def handle(envelope: Envelope[Any]) -> None:
        await record(envelope, deps)

    return dict.fromkeys(RECORDED, handle)
