"""One line of a quarantine object: a rejected record, kept whole, with every reason."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemaline.contracts.events import RuleViolation
from schemaline.contracts.fqid import Fqid
from schemaline.contracts.ids import PipelineId, RunId


class QuarantineLine(BaseModel):
    """Written by the validator, read back by the drift detector for patches and re-runs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    position: int = Field(ge=0, description="0-based position of the record in its batch")
    record_class: Literal["drift", "invalid"] = Field(
        alias="class", description="drift (shape) or invalid (a value rule)"
    )
    record: Any = Field(default=None, description="The original record, when it was JSON")
    raw: str | None = Field(default=None, description="The raw line, when it was not JSON")
    reasons: tuple[RuleViolation, ...] = Field(description="Every error of the record")
    fqid: Fqid = Field(description="Schema version it was validated against")
    pipeline_id: PipelineId = Field(description="Pipeline id")
    run_id: RunId = Field(description="Run id")
    object_uri: str = Field(description="Batch object it came from")
    quarantined_at: datetime = Field(description="When it was quarantined (UTC)")

    def original_line(self) -> bytes:
        """The record as it arrived, for a re-run: the raw line, or the record re-encoded."""
        if self.raw is not None:
            return self.raw.encode()
        return json.dumps(self.record, separators=(",", ":"), ensure_ascii=False).encode()
