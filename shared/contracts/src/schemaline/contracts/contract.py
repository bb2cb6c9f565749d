"""The schema contract: how one pipeline stage binds to a registered schema."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemaline.contracts.fqid import Layer, Selector
from schemaline.contracts.ids import PipelineId


class Component(StrEnum):
    LAMBDA = "lambda"
    GLUE = "glue"


class IntegrationMode(StrEnum):
    ON_INVOCATION = "on_invocation"
    PRE_JOB = "pre_job"
    PRE_JOB_POST_TRANSFORM = "pre_job_post_transform"
    BUILD_TIME_PUBLISH = "build_time_publish"


class ValidationTiming(StrEnum):
    ENVELOPE_AND_PAYLOAD = "envelope_and_payload"
    STRUCTURAL = "structural"
    SEMANTIC = "semantic"
    METRIC_CONFORMANCE = "metric_conformance"


class OnDrift(StrEnum):
    QUARANTINE = "quarantine"
    FAIL = "fail"


class StagePolicy(BaseModel):
    """What a stage tolerates before its batch verdict turns to failure."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_invalid_ratio: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Largest share of invalid records a batch may have and still pass",
        examples=[0.01],
    )
    on_drift: OnDrift = Field(
        default=OnDrift.QUARANTINE,
        description="quarantine drifted records and raise drift, or fail the batch",
    )


class SchemaContract(BaseModel):
    """A pipeline stage's binding to a schema, stored and versioned in the registry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pipeline_id: PipelineId = Field(description="Pipeline id", examples=["finance_gdp_transform"])
    layer: Layer = Field(description="Layer the stage belongs to")
    component: Component = Field(description="What runs the stage")
    schema_selector: Selector = Field(
        description="Exact FQID, latest, or latest within a major",
        examples=["finance.gdp.invoice:v1.1", "finance.kpi.invoice_daily:^1"],
    )
    integration_mode: IntegrationMode = Field(description="When the stage consults the registry")
    validation_timing: ValidationTiming = Field(description="What the stage validates")
    policy: StagePolicy = Field(default_factory=StagePolicy, description="Per-stage policy")

    @model_validator(mode="after")
    def _layer_matches_schema(self) -> SchemaContract:
        if self.schema_selector.subject.layer is not self.layer:
            raise ValueError(
                f"contract for layer {self.layer.value!r} binds schema {self.schema_selector}, "
                f"which belongs to layer {self.schema_selector.subject.layer.value!r}"
            )
        return self
