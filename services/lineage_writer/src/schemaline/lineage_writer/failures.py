"""PIPE-1402: a lineage write that keeps failing is announced with PipelineFailed before its DLQ."""

from __future__ import annotations

from typing import Any

import structlog

from schemaline.contracts import Envelope, PipeCode, PipelineFailed, PipelineId, derived_id, new_envelope
from schemaline.lineage_writer.settings import SERVICE
from schemaline.runtime.bus import Publisher

log = structlog.get_logger("schemaline.lineage_writer")


class MetadataSyncFailures:
    """Announces PIPE-1402 for an event whose lineage could not be written, before it goes to the DLQ.

    The consumer decides when to give up (transient errors such as a database outage are retried for
    `bus.retry_for_s`); this is its dead-letter hook, so the alert is out before the letter is in.
    """

    def __init__(self, publisher: Publisher) -> None:
        self._publisher = publisher

    async def dead_lettered(self, envelope: Envelope[Any], reason: str) -> None:
        detail = envelope.detail
        if isinstance(detail, PipelineFailed) and detail.code is PipeCode.METADATA_SYNC_FAILURE:
            # Our own PIPE-1402 could not be written either: announcing it again would loop.
            log.error("PIPE-1402 event not recorded; it goes to the DLQ", event_id=envelope.id)
            return
        failed = PipelineFailed(
            pipeline_id=PipelineId(getattr(detail, "pipeline_id", None) or SERVICE),
            run_id=getattr(detail, "run_id", None) or getattr(detail, "original_run_id", None),
            code=PipeCode.METADATA_SYNC_FAILURE,
            message=(
                f"lineage of {envelope.detail_type} {envelope.id} not recorded: {reason}; "
                f"the event is in the {SERVICE} dead-letter queue"
            ),
            component=SERVICE,
            failed_event_id=envelope.id,
        )
        announcement = new_envelope(
            failed, source=SERVICE, cause=envelope, event_id=derived_id(envelope.id, "1402")
        )
        try:
            await self._publisher.publish(announcement)
        except Exception as exc:  # the DLQ still holds the event; say loudly that the alert is missing
            log.error("could not publish PIPE-1402", event_id=envelope.id, reason=str(exc))
