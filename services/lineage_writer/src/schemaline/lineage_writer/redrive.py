"""Re-run the metadata writer (PIPE-1402's operator action): send its dead letters back to it."""

from __future__ import annotations

from schemaline.lineage_writer.settings import SERVICE
from schemaline.runtime.bus import EventBus
from schemaline.runtime.bus.dead_letters import redrive as redrive_letters


async def redrive(bus: EventBus, service: str = SERVICE) -> tuple[int, int]:
    """Republish the dead-lettered events one at a time, each removed only once sent; (republished,
    kept: letters that are not events stay in the DLQ with their reason). The same as `/api/v1/dlq`."""
    await bus.connect()
    result = await redrive_letters(bus.transport, service)
    return result.republished, result.kept
