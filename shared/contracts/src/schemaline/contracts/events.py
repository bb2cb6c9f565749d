"""One frozen model per event in the catalogue; `EVENT_TYPES` maps detail-type to model."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from schemaline.contracts.envelope import EventDetail
from schemaline.contracts.errors import PipeCode
from schemaline.contracts.fqid import Fqid, Layer, Selector, Subject
from schemaline.contracts.ids import CaseId, Fingerprint, PipelineId, ProposalId, RunId

_RUN = Field(description="Run (job run) id", examples=["jr-2a8bc9a1b1"])
_PIPELINE = Field(description="Pipeline (Glue job or Lambda) id", examples=["finance_gdp_transform"])
_OBJECT = Field(
    description="URI of the batch object",
    examples=["s3://warehouse/gdp/invoice/2025/10/07/part-0.jsonl"],
)


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DriftKind(StrEnum):
    """What sort of drift a `SchemaDriftDetected` reports."""

    SHAPE = "shape"
    MID_RUN_VERSION_CHANGE = "mid_run_version_change"


class FieldDriftKind(StrEnum):
    UNEXPECTED = "unexpected_field"
    MISSING = "missing_field"
    TYPE_CHANGED = "type_changed"
    VERSION_CHANGED = "version_changed"


class DriftedField(_Part):
    """One field whose shape differs from the schema, with how often it was seen."""

    pointer: str = Field(description="JSON Pointer of the field", examples=["/invoice_region_code"])
    kind: FieldDriftKind = Field(description="How the field drifted")
    observed_types: tuple[str, ...] = Field(
        default=(), description="JSON types seen for the field", examples=[["string"]]
    )
    expected_types: tuple[str, ...] = Field(default=(), description="JSON types the schema allows")
    records: int = Field(ge=0, description="Records in which it was seen")


class RuleViolation(_Part):
    """One broken rule of one record, or of an envelope."""

    pointer: str = Field(description="JSON Pointer of the failing value", examples=["/amount"])
    rule: str = Field(description="Failing keyword (rule id)", examples=["minimum"])
    message: str = Field(description="Readable explanation")


class ChangeSummary(_Part):
    """One change found by the compatibility engine."""

    type: str = Field(description="Change type", examples=["REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"])
    path: str = Field(
        description="The schema node that changed (Confluent's jsonPath)", examples=["#/properties/amount"]
    )
    keyword: str | None = Field(
        default=None,
        description="JSON Pointer of the keyword that changed",
        examples=["#/properties/amount/maximum"],
    )
    compatible: bool = Field(description="Whether the change is compatible under the policy")
    message: str = Field(description="What changed")
    suggestion: str | None = Field(default=None, description="How to make it compatible")


_INPUTS = Field(
    default=(),
    description="Datasets (object URIs) the run read: lineage links them as the run's inputs",
    examples=[["s3://warehouse/raw/invoice/2025/10/07/run=jr-8c6d37fdc5/part-00000.jsonl"]],
)


class RunExecution(_Part):
    """How a stage run went: when, how long, how many records, which code, how long it resolved schemas."""

    started_at: datetime = Field(description="When the run started (UTC)")
    ended_at: datetime = Field(description="When the run ended (UTC)")
    duration_ms: float = Field(ge=0, description="ended_at - started_at, in milliseconds")
    records_in: int = Field(default=0, ge=0, description="Records read")
    records_out: int = Field(default=0, ge=0, description="Records written to the output")
    records_quarantined: int = Field(
        default=0,
        ge=0,
        description="Output records the stage's own check rejected (landed for the validator to quarantine)",
    )
    records_skipped: int = Field(
        default=0,
        ge=0,
        description="Input records left out: the input schema rejects them (quarantined upstream)",
    )
    code_version: str = Field(
        description="Version of the code that ran: the image tag, else the pipelines wheel's version",
        examples=["0.1.0"],
    )
    resolve_ms: float | None = Field(
        default=None,
        ge=0,
        description="Time the run spent in schema resolves, in milliseconds (None: it made none)",
    )


class BatchLanded(EventDetail):
    """A batch object exists for run R of pipeline P under the FQID the stage declares."""

    DETAIL_TYPE: ClassVar[str] = "BatchLanded"

    pipeline_id: PipelineId = _PIPELINE
    run_id: RunId = _RUN
    layer: Layer = Field(description="Layer of the stage that wrote the batch")
    declared_fqid: Selector | None = Field(
        default=None,
        description="Schema FQID or selector the stage declares; missing is a governance violation",
        examples=["finance.gdp.invoice:v1.1", "finance.kpi.invoice_daily:^1"],
    )
    writer_fqid: Fqid | None = Field(
        default=None,
        description="Exact schema the data was written under, when it differs from the reader's",
    )
    object_uri: str = _OBJECT
    record_count: int | None = Field(default=None, ge=0, description="Records, if the writer knows")
    rerun_of: RunId | None = Field(
        default=None, description="Original run id when this batch re-runs quarantined records"
    )
    drift_case_id: CaseId | None = Field(default=None, description="Drift case a re-run serves")
    inputs: tuple[str, ...] = _INPUTS
    execution: RunExecution | None = Field(default=None, description="How the run went, when a stage says")


class SchemaValidated(EventDetail):
    """The batch conforms to its schema."""

    DETAIL_TYPE: ClassVar[str] = "SchemaValidated"

    pipeline_id: PipelineId = _PIPELINE
    run_id: RunId = _RUN
    layer: Layer = Field(description="Layer of the stage")
    schema_fqid: Fqid = Field(description="Exact schema version validated against")
    object_uri: str = _OBJECT
    record_count: int = Field(ge=0, description="Records read")
    valid_count: int = Field(ge=0, description="Records that passed")
    quarantined_count: int = Field(default=0, ge=0, description="Records quarantined within policy")
    quarantine_uri: str | None = Field(default=None, description="Where quarantined records went")
    drift_signals: tuple[DriftedField, ...] = Field(
        default=(), description="Fields an open model accepts but the schema does not describe"
    )
    validation_ms: float = Field(ge=0, description="Time spent validating")
    rerun_of: RunId | None = Field(default=None, description="Original run id of a re-run")
    drift_case_id: CaseId | None = Field(default=None, description="Drift case a re-run serves")


class SchemaDriftDetected(EventDetail):
    """The batch's shape drifted from its schema, or a run changed schema version mid-run."""

    DETAIL_TYPE: ClassVar[str] = "SchemaDriftDetected"

    pipeline_id: PipelineId = _PIPELINE
    run_id: RunId = _RUN
    layer: Layer = Field(description="Layer of the stage")
    schema_fqid: Fqid = Field(description="Exact schema version validated against")
    kind: DriftKind = Field(default=DriftKind.SHAPE, description="Shape drift or version change")
    fields: tuple[DriftedField, ...] = Field(description="Drifted fields and their counts")
    object_uri: str = _OBJECT
    record_count: int = Field(ge=0, description="Records read")
    drifted_count: int = Field(ge=0, description="Records rejected for their shape")
    invalid_count: int = Field(default=0, ge=0, description="Records rejected for a value rule")
    quarantine_uri: str | None = Field(default=None, description="Where the rejected records are")
    previous_fqid: Fqid | None = Field(
        default=None, description="For a mid-run version change: the version the run began with"
    )
    rerun_of: RunId | None = Field(default=None, description="Original run id of a re-run")
    drift_case_id: CaseId | None = Field(default=None, description="Drift case a re-run serves")

    def signature(self) -> str:
        """What makes two detections the same drift case: the subject, the kind and the drifted
        (kind, pointer) pairs. Every service that tracks drift cases keys them on this."""
        parts = sorted({f"{field.kind.value}:{field.pointer}" for field in self.fields})
        return f"{self.schema_fqid.subject}|{self.kind.value}|" + ",".join(parts)


class PipelineFailed(EventDetail):
    """A stage failed; `code` is from the PIPE catalog."""

    DETAIL_TYPE: ClassVar[str] = "PipelineFailed"

    pipeline_id: PipelineId = _PIPELINE
    run_id: RunId | None = Field(default=None, description="Run id, when the failure has one")
    layer: Layer | None = Field(default=None, description="Layer of the stage, when known")
    code: PipeCode = Field(description="PIPE error code", examples=["PIPE-1002"])
    message: str = Field(description="What went wrong")
    component: str = Field(description="Service or job that failed", examples=["validator"])
    schema_ref: str | None = Field(
        default=None, description="The FQID or selector involved, as given (it may be malformed)"
    )
    object_uri: str | None = Field(default=None, description="Batch object involved, if any")
    violations: tuple[RuleViolation, ...] = Field(
        default=(), description="First rule violations, for PIPE-1002"
    )
    changes: tuple[ChangeSummary, ...] = Field(default=(), description="Incompatible changes, for PIPE-1103")
    failed_event_id: str | None = Field(default=None, description="Event whose handling failed")
    inputs: tuple[str, ...] = _INPUTS
    execution: RunExecution | None = Field(default=None, description="How the run went, when a stage says")


class SchemaProposed(EventDetail):
    """A compatible new version awaits the governance gate."""

    DETAIL_TYPE: ClassVar[str] = "SchemaProposed"

    proposal_id: ProposalId = Field(description="Proposal id")
    subject: Subject = Field(description="Subject of the proposal", examples=["finance.gdp.invoice"])
    proposed_fqid: Fqid = Field(description="Version it would be published as")
    base_fqid: Fqid | None = Field(default=None, description="Latest version it was checked against")
    fingerprint: Fingerprint = Field(description="Content fingerprint: sha256 of its RFC 8785 canonical JSON")
    compatible: bool = Field(description="Verdict of the compatibility check")
    level: str = Field(description="Compatibility level applied", examples=["BACKWARD"])
    policy: str = Field(description="Policy applied", examples=["strict"])
    changes: tuple[ChangeSummary, ...] = Field(default=(), description="Changes found")
    covers_drift_cases: tuple[CaseId, ...] = Field(
        default=(), description="Drift cases this version is meant to fix"
    )
    proposed_by: str = Field(description="Who proposed it")


class SchemaApproved(EventDetail):
    """Governance approved a proposal."""

    DETAIL_TYPE: ClassVar[str] = "SchemaApproved"

    proposal_id: ProposalId = Field(description="Proposal id")
    subject: Subject = Field(description="Subject of the proposal")
    proposed_fqid: Fqid = Field(description="Version to publish")
    approved_by: str = Field(description="Approver, or 'governance' for an automatic approval")
    reason: str = Field(description="Why it was approved")


class SchemaRejected(EventDetail):
    """Governance rejected a proposal."""

    DETAIL_TYPE: ClassVar[str] = "SchemaRejected"

    proposal_id: ProposalId = Field(description="Proposal id")
    subject: Subject = Field(description="Subject of the proposal")
    proposed_fqid: Fqid = Field(description="Version that will not be published")
    rejected_by: str = Field(description="Who rejected it")
    reason: str = Field(description="Why")


class SchemaPublished(EventDetail):
    """A new version is live."""

    DETAIL_TYPE: ClassVar[str] = "SchemaPublished"

    fqid: Fqid = Field(description="The published version")
    fingerprint: Fingerprint = Field(description="Content fingerprint")
    previous_fqid: Fqid | None = Field(default=None, description="Version it succeeds")
    proposal_id: ProposalId | None = Field(default=None, description="Proposal it came from")
    covers_drift_cases: tuple[CaseId, ...] = Field(
        default=(), description="Drift cases this version is meant to fix"
    )
    published_at: datetime = Field(description="Publication time (UTC)")


class DriftResolved(EventDetail):
    """A drift case is closed: a covering version is live and the re-run passed."""

    DETAIL_TYPE: ClassVar[str] = "DriftResolved"

    case_id: CaseId = Field(description="Drift case id")
    subject: Subject = Field(description="Subject of the case")
    fqid: Fqid = Field(description="Covering version")
    pipeline_id: PipelineId = _PIPELINE
    original_run_id: RunId = Field(description="Run whose records were quarantined")
    rerun_id: RunId = Field(description="Run that re-ran them")
    records_rerun: int = Field(ge=0, description="Quarantined records re-run")

    def correlation(self) -> str | None:
        return str(self.original_run_id)


class RunRerunRequested(EventDetail):
    """An operator asked for a stage run to be run again, on the same input, under another schema
    version; the job launcher starts it as run `rerun_id` (its BatchLanded says `rerun_of`)."""

    DETAIL_TYPE: ClassVar[str] = "RunRerunRequested"

    original_run_id: RunId = Field(description="The run to run again")
    rerun_id: RunId = Field(description="Run id the re-run will have", examples=["jr-5e0c1d2b3a"])
    pipeline_id: PipelineId = _PIPELINE
    layer: Layer = Field(description="Layer of the stage")
    schema_fqid: Selector = Field(
        description="What the re-run declares (the new version)", examples=["finance.gdp.invoice:v1.2"]
    )
    inputs: tuple[str, ...] = Field(min_length=1, description="What the original run read, read again")
    requested_by: str = Field(description="Who asked")

    def correlation(self) -> str | None:
        return str(self.original_run_id)


EVENT_MODELS: tuple[type[EventDetail], ...] = (
    BatchLanded,
    SchemaValidated,
    SchemaDriftDetected,
    PipelineFailed,
    SchemaProposed,
    SchemaApproved,
    SchemaRejected,
    SchemaPublished,
    DriftResolved,
    RunRerunRequested,
)
EVENT_TYPES = MappingProxyType({model.DETAIL_TYPE: model for model in EVENT_MODELS})
