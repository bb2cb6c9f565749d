"""Request and response bodies of the REST API (they make the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from schemaline.contracts import CaseId, ChangeSummary, Fqid, SchemaContract, Subject
from schemaline.registry.compat import Assessment
from schemaline.registry.model import ContractRevision, Proposal, ProposalState, SchemaVersion, SubjectSummary
from schemaline.runtime.http.errors import ErrorOut as BaseErrorOut
from schemaline.sdk.compat import Level, Policy

JsonSchemaDocument = dict[str, Any] | StrictBool  # not 0 or "true" taken as a boolean


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ErrorOut(BaseErrorOut):
    """Every error of the registry: the shared error body, and the changes of an incompatible schema."""

    changes: list[ChangeSummary] = Field(
        default_factory=list, description="IncompatibleError changes (PIPE-1103)"
    )


class SchemaIn(_Body):
    schema_: JsonSchemaDocument = Field(
        alias="schema", description="A JSON Schema (its `$schema` dialect; draft-07 when absent)"
    )
    covers_drift_cases: list[CaseId] = Field(
        default_factory=list, max_length=100, description="Drift cases this version is meant to fix"
    )
    new_major: bool = Field(
        default=False,
        description="Open the next major version: a breaking change is reported but does not block",
    )


class CheckIn(_Body):
    schema_: JsonSchemaDocument = Field(
        alias="schema", description="A JSON Schema (its `$schema` dialect; draft-07 when absent)"
    )
    level: Level | None = Field(default=None, description="Override the subject's level for this check")
    policy: Policy | None = Field(default=None, description="Override the subject's policy for this check")


class VersionOut(BaseModel):
    fqid: Fqid
    subject: Subject
    version: str = Field(examples=["v1.2"])
    fingerprint: str
    deprecated: bool
    published_at: datetime
    proposal_id: str | None = None
    schema_: JsonSchemaDocument | None = Field(default=None, alias="schema", serialization_alias="schema")

    @classmethod
    def of(cls, version: SchemaVersion, *, with_schema: bool) -> VersionOut:
        return cls(
            fqid=version.fqid,
            subject=version.fqid.subject,
            version=str(version.fqid.version),
            fingerprint=version.fingerprint,
            deprecated=version.deprecated,
            published_at=version.published_at,
            proposal_id=version.proposal_id,
            schema=version.schema if with_schema else None,
        )


class FetchOut(BaseModel):
    """What `GET /schema/fetch` returns (the ETag header is the fingerprint)."""

    fqid: Fqid
    fingerprint: str
    deprecated: bool
    schema_: JsonSchemaDocument = Field(alias="schema", serialization_alias="schema")


class SubjectOut(BaseModel):
    subject: Subject
    latest_fqid: Fqid | None
    version_count: int
    level: Level | None = Field(description="Subject's own level; null: the global default")
    policy: Policy | None

    @classmethod
    def of(cls, summary: SubjectSummary) -> SubjectOut:
        latest = Fqid(summary.subject, summary.latest) if summary.latest else None
        return cls(
            subject=summary.subject,
            latest_fqid=latest,
            version_count=summary.version_count,
            level=summary.level,
            policy=summary.policy,
        )


class ConfigIn(_Body):
    level: Level | None = Field(default=None, description="null resets to the global default")
    policy: Policy | None = Field(default=None, description="null resets to the global default")


class ConfigOut(BaseModel):
    subject: Subject
    level: Level
    policy: Policy
    explicit: bool = Field(description="False when the global default applies")


class VerdictOut(BaseModel):
    compatible: bool
    level: Level
    policy: Policy
    semver: Literal["minor", "major"]
    base_fqid: Fqid | None = Field(description="Latest version the candidate was checked against")
    next_fqid: Fqid = Field(description="Version the candidate would be published as")
    changes: list[ChangeSummary]

    @classmethod
    def of(cls, subject: Subject, assessment: Assessment) -> VerdictOut:
        verdict = assessment.verdict
        return cls(
            compatible=verdict.compatible,
            level=verdict.level,
            policy=verdict.policy,
            semver=verdict.semver,
            base_fqid=assessment.base.fqid if assessment.base else None,
            next_fqid=Fqid(subject, assessment.next_version),
            changes=list(assessment.changes),
        )


class ProposalOut(BaseModel):
    id: str
    subject: Subject
    proposed_fqid: Fqid
    base_fqid: Fqid | None
    fingerprint: str
    state: ProposalState
    level: Level
    policy: Policy
    changes: list[ChangeSummary]
    covers_drift_cases: list[str]
    proposed_by: str
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    reason: str | None
    published_fqid: Fqid | None
    new_major: bool

    @classmethod
    def of(cls, proposal: Proposal) -> ProposalOut:
        published = Fqid(proposal.subject, proposal.published) if proposal.published else None
        return cls(
            id=proposal.id,
            subject=proposal.subject,
            proposed_fqid=proposal.proposed_fqid,
            base_fqid=proposal.base_fqid,
            fingerprint=proposal.fingerprint,
            state=proposal.state,
            level=proposal.level,
            policy=proposal.policy,
            changes=list(proposal.changes),
            covers_drift_cases=list(proposal.covers),
            proposed_by=proposal.proposed_by,
            created_at=proposal.created_at,
            decided_at=proposal.decided_at,
            decided_by=proposal.decided_by,
            reason=proposal.reason,
            published_fqid=published,
            new_major=proposal.new_major,
        )


class ProposeOut(BaseModel):
    status: Literal["existing", "pending"] = Field(
        description="existing: identical content is already published; pending: awaiting governance"
    )
    created: bool = Field(description="Whether this request created the proposal")
    fqid: Fqid = Field(description="The existing version, or the version proposed")
    fingerprint: str
    proposal: ProposalOut | None = None


class ContractOut(BaseModel):
    pipeline_id: str
    layer: str
    revision: int
    deleted: bool
    contract: SchemaContract | None
    fingerprint: str | None
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, revision: ContractRevision) -> ContractOut:
        return cls(
            pipeline_id=revision.pipeline_id,
            layer=revision.layer.value,
            revision=revision.revision,
            deleted=revision.contract is None,
            contract=revision.contract,
            fingerprint=revision.fingerprint,
            created_at=revision.created_at,
            created_by=revision.created_by,
        )
