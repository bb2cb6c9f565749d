"""What one stage run did: the record the runner returns and the tests read."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from schemaline.contracts import Envelope, Fqid, Layer, PipeCode, PipelineId, RunId


class StageStatus(StrEnum):
    LANDED = "landed"  # output written, BatchLanded emitted
    FAILED = "failed"  # PipelineFailed emitted, nothing written


@dataclass(frozen=True, slots=True)
class StageResult:
    """One run of one stage.

    `records_in` were read; `skipped` of them were left out because the stage's input schema
    rejects them (the validator quarantined them at the previous stage); `records_out` were written.
    `event` is the BatchLanded or PipelineFailed the stage emitted.
    """

    pipeline_id: PipelineId
    layer: Layer
    run_id: RunId
    status: StageStatus
    declared: str
    event: Envelope[Any]
    schema_fqid: Fqid | None = None
    input_uri: str | None = None
    output_uri: str | None = None
    records_in: int = 0
    records_out: int = 0
    skipped: int = 0
    code: PipeCode | None = None
    message: str = ""
    verdict: Envelope[Any] | None = None  # set by the runner when it awaited the validator's verdict

    @property
    def landed(self) -> bool:
        return self.status is StageStatus.LANDED
