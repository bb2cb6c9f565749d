"""The schema contract: how one pipeline stage binds to a registered schema."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemaline.contracts.fqid import Layer, Selector
from schemaline.contracts.ids import PipelineId


class Component(StrEnum):
    LAMBDA = "lambda"
    GLUE = "glue"


class IntegrationMode(StrEnum):
    """How the stage's checks are made: by the stage itself, with the SDK, or by the validator
    service once the batch has landed (the stage then lands what it built and the verdict decides)."""

    IN_PROCESS = "in_process"
    VALIDATOR_SERVICE = "validator_service"


class Check(StrEnum):
    """One point at which a stage checks records against a schema."""

    ON_INVOCATION = "on_invocation"  # the Lambda's envelope and payload, as it is invoked
    PRE_JOB = "pre_job"  # the input, against the schema it was written under, before the transform
    POST_TRANSFORM = "post_transform"  # each transformed record, against the stage's schema
    BUILD_TIME = "build_time"  # the shape the job builds, against the stage's schema, before any data
    PUBLISH = "publish"  # the built output, against the stage's schema, before it lands


class ValidationTiming(StrEnum):
    """When the stage validates: which checks run."""

    ON_INVOCATION = "on_invocation"
    PRE_JOB = "pre_job"
    PRE_JOB_POST_TRANSFORM = "pre_job_post_transform"
    BUILD_TIME_PUBLISH = "build_time_publish"

    @property
    def checks(self) -> frozenset[Check]:
        return _CHECKS[self]


_CHECKS = {
    ValidationTiming.ON_INVOCATION: frozenset({Check.ON_INVOCATION}),
    ValidationTiming.PRE_JOB: frozenset({Check.PRE_JOB}),
    ValidationTiming.PRE_JOB_POST_TRANSFORM: frozenset({Check.PRE_JOB, Check.POST_TRANSFORM}),
    ValidationTiming.BUILD_TIME_PUBLISH: frozenset({Check.BUILD_TIME, Check.PUBLISH}),
}


class ValidationScope(StrEnum):
    """What the stage's checks look at (documentation for readers of the contract)."""

    ENVELOPE_AND_PAYLOAD = "envelope_and_payload"
    STRUCTURAL = "structural"
    SEMANTIC = "semantic"
    METRIC_CONFORMANCE = "metric_conformance"


_TIMINGS = frozenset(timing.value for timing in ValidationTiming)
_SCOPES = frozenset(scope.value for scope in ValidationScope)


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
    integration_mode: IntegrationMode = Field(
        default=IntegrationMode.IN_PROCESS,
        description="How the checks are made: in the stage (SDK) or by the validator service",
    )
    validation_timing: ValidationTiming = Field(description="When the stage validates: which checks run")
    validation_scope: ValidationScope | None = Field(
        default=None, description="What the checks look at", examples=["semantic"]
    )
    policy: StagePolicy = Field(default_factory=StagePolicy, description="Per-stage policy")

    @model_validator(mode="before")
    @classmethod
    def _legacy_form(cls, data: Any) -> Any:
        """Contracts written before decision 42 held the timing in `integration_mode` and the scope
        in `validation_timing`; they read as the same binding, validated in process."""
        if isinstance(data, dict) and data.get("integration_mode") in _TIMINGS:
            data = dict(data)
            scope = data.get("validation_timing")
            data["validation_timing"] = data["integration_mode"]
            data["integration_mode"] = IntegrationMode.IN_PROCESS.value
            if scope in _SCOPES and data.get("validation_scope") is None:
                data["validation_scope"] = scope
        return data

    def admits(self, declared: Selector) -> bool:
        """Whether a stage declaring `declared` stays inside this contract's `schema_selector`."""
        return self.schema_selector.admits(declared)

    @property
    def checks(self) -> frozenset[Check]:
        return self.validation_timing.checks

    @property
    def in_process(self) -> bool:
        return self.integration_mode is IntegrationMode.IN_PROCESS

    @model_validator(mode="after")
    def _layer_matches_schema(self) -> SchemaContract:
        if self.schema_selector.subject.layer is not self.layer:
            raise ValueError(
                f"contract for layer {self.layer.value!r} binds schema {self.schema_selector}, "
                f"which belongs to layer {self.schema_selector.subject.layer.value!r}"
            )
        return self
