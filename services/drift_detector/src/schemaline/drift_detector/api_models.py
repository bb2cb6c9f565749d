"""Bodies of the drift detector's API (they make its OpenAPI document); keys as `to_json` writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from schemaline.contracts import DriftedField, QuarantineLine


class ProposeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dry_run: bool = Field(default=False, description="Infer and check the patch; submit nothing")


class AckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="acknowledged", min_length=1, max_length=2000)


class CaseRunOut(BaseModel):
    run_id: str
    pipeline_id: str
    layer: str
    schema_fqid: str
    object_uri: str
    quarantine_uri: str | None
    drifted_records: int
    rerun_id: str | None
    rerun_state: str | None
    rerun_note: str | None


class CaseOut(BaseModel):
    case_id: str
    subject: str
    kind: str
    state: str = Field(description="open, acknowledged or resolved")
    fields: list[DriftedField]
    schema_fqid: str = Field(description="The version the drift was detected against")
    detections: int
    drifted_records: int
    opened_at: datetime
    updated_at: datetime
    resolved_by_fqid: str | None
    note: str | None
    runs: list[CaseRunOut] = Field(description="The runs whose records the case holds (empty in lists)")


class PatchStepOut(BaseModel):
    kind: str = Field(description="add_optional_property, widen_type or make_optional")
    path: str
    detail: str


class StillRejectedOut(BaseModel):
    index: int
    pointer: str
    message: str


class ProposalOut(BaseModel):
    case_id: str
    base: str = Field(description="The version the patch starts from (the subject's latest)")
    suggested_fqid: str
    compatible: bool
    semver: str
    accepts_all: bool = Field(description="False: some records still fail, and nothing was submitted")
    quarantined_records: int
    sampled_valid_records: int
    steps: list[PatchStepOut]
    still_rejected: list[StillRejectedOut]
    changes: list[dict[str, Any]] = Field(description="The compatibility engine's changes")
    schema_: Any = Field(alias="schema", serialization_alias="schema", description="The patched schema")
    submitted: dict[str, Any] | None = Field(description="The registry's answer; null on a dry run")


class QuarantineSampleOut(BaseModel):
    case_id: str
    records: list[QuarantineLine] = Field(description="Quarantined records with every reason, run order")
    more: bool = Field(description="More records are quarantined than the sample holds")
