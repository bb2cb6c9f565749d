"""Bodies of the governance API (they make its OpenAPI document); keys as `schemaline governance` prints."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ProposalStatus = Literal["pending", "approved", "rejected"]
CaseStatus = Literal["open", "resolved"]


class ProposalOut(BaseModel):
    proposal_id: str
    subject: str
    proposed_fqid: str
    base_fqid: str | None
    compatible: bool
    level: str
    policy: str
    covers: list[str] = Field(description="Drift cases the proposal says it fixes")
    proposed_by: str
    status: ProposalStatus
    reason: str = Field(description="The gate's reason, or the approver's once decided")
    blocked_by: list[str] = Field(description="Open drift cases holding the proposal")
    event_id: str
    proposed_at: datetime
    decided_at: datetime | None
    decided_by: str | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> ProposalOut:
        return cls.model_validate(
            row | {"covers": json.loads(row["covers"]), "blocked_by": json.loads(row["blocked_by"])}
        )


class CaseOut(BaseModel):
    case_id: str
    subject: str
    signature: str
    pipeline_id: str
    run_id: str
    opened_event_id: str
    opened_at: datetime
    status: CaseStatus
    resolved_event_id: str | None
    resolved_at: datetime | None
    covering_fqid: str | None


class ViolationOut(BaseModel):
    violation_id: str
    kind: str
    event_id: str
    pipeline_id: str | None
    run_id: str | None
    message: str
    recorded_at: datetime


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, description="Why: recorded in the event and ledger")


class DecisionOut(BaseModel):
    proposal_id: str
    detail_type: Literal["SchemaApproved", "SchemaRejected"]
    event_id: str = Field(description="Id of the event that carries the decision")
    decided_by: str = Field(description="The approver: the name of the token that decided")


class VerificationOut(BaseModel):
    """What verifying the ledger's hash chain found (a broken chain is a finding, not an error)."""

    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    problem: str | None = None
    summary: str = Field(description="One line for people")


class ReplayIn(BaseModel):
    """Which ledgered events to select (empty lists match all) and whether to republish them."""

    model_config = ConfigDict(extra="forbid")
    since: datetime | None = Field(default=None, description="Event time, inclusive (no offset: UTC)")
    until: datetime | None = Field(default=None, description="Event time, exclusive (no offset: UTC)")
    detail_types: list[str] = Field(default_factory=list, max_length=50)
    run_ids: list[str] = Field(default_factory=list, max_length=1000)
    subjects: list[str] = Field(default_factory=list, max_length=1000)
    include_replays: bool = Field(default=False, description="Also select events that were replays")
    name: str | None = Field(
        default=None,
        pattern=r"^[.\-_A-Za-z0-9]{1,64}$",
        description="Replay name set as replay-name on every event; without it nothing is published",
    )
    dry_run: bool = Field(default=False, description="Select and verify only, even with a name")
    new_ids: bool = Field(default=False, description="Give each event an id derived from its id and the name")
    expect_head: str | None = Field(default=None, max_length=64, description="Head hash kept elsewhere")


class TimelineRow(BaseModel):
    seq: int
    time: datetime
    detail_type: str
    id: str
    source: str
    run_id: str | None
    subjects: list[str]
    replay_name: str | None


class ReplayOut(BaseModel):
    ledger: VerificationOut
    events: list[TimelineRow]
    unreadable: list[int] = Field(description="Seqs of ledgered events no model decodes any more")
    name: str | None
    published: int = Field(description="Events republished (0 on a dry run)")
    new_ids: bool
