"""Alerts settings (env prefix SCHEMALINE_ALERTS_, nested parts with `__`)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from schemaline.contracts import PipeCode
from schemaline.runtime.settings import HttpSettings, ServiceSettings

SERVICE = "alerts"


class SnsSettings(BaseModel):
    topic_arn: str | None = Field(default=None, description="SNS topic alerts are published to; unset: none")
    region: str = Field(default="eu-west-1", description="SNS region")
    endpoint_url: str | None = Field(default=None, description="SNS endpoint (a moto server locally)")


class WebhookSettings(BaseModel):
    url: SecretStr | None = Field(
        default=None, description="Slack-compatible incoming webhook (JSON `text`); unset: none (secret)"
    )
    timeout_s: float = Field(default=5.0, gt=0, description="HTTP timeout of one POST")

    @field_validator("url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """An empty URL (a deployment's unfilled placeholder) means no webhook, not one to fail on."""
        return None if value == "" else value


class DeliverySettings(BaseModel):
    poll_interval_s: float = Field(default=1.0, gt=0, description="How often pending deliveries are tried")
    retry_backoff_s: float = Field(default=5.0, gt=0, description="First retry delay; doubles per attempt")
    max_backoff_s: float = Field(default=600.0, gt=0, description="Longest delay between two attempts")
    batch_size: int = Field(default=50, ge=1, description="Deliveries tried per round")
    lease_s: float = Field(
        default=120.0, gt=0, description="A delivery being sent is tried by no other replica for this long"
    )


class SloWatchSettings(BaseModel):
    lineage_url: str | None = Field(
        default=None, description="The lineage API whose /lineage/slo is checked; unset: no SLO alerts"
    )
    token: SecretStr | None = Field(default=None, description="A token the lineage API knows (secret)")
    interval_s: float = Field(default=900.0, gt=0, description="Seconds between two checks")
    timeout_s: float = Field(default=10.0, gt=0, description="HTTP timeout of one check")


class AlertsHttpSettings(HttpSettings):
    # A subclass, not a default instance: an environment that sets only HTTP__ENABLED keeps the port.
    port: int = Field(default=8090, ge=0, le=65535, description="Port the operator API binds")


class AlertsSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="SCHEMALINE_ALERTS_", env_nested_delimiter="__", extra="ignore"
    )

    service_name: str = Field(default=SERVICE, description="Service name in logs, traces and queues")
    sns: SnsSettings = Field(default_factory=SnsSettings)
    webhook: WebhookSettings = Field(default_factory=WebhookSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    slo: SloWatchSettings = Field(default_factory=SloWatchSettings)
    reminder_after_s: float = Field(
        default=4 * 3600.0,
        gt=0,
        description="An incident still open this long after its last notice is sent again",
    )
    escalate: list[PipeCode] = Field(
        default=[PipeCode.INCOMPATIBLE_SCHEMA, PipeCode.METADATA_SYNC_FAILURE],
        description="PIPE codes whose incidents are escalated (severity critical)",
    )
    http: AlertsHttpSettings = Field(
        default_factory=AlertsHttpSettings, description="The operator API: its DLQ (off by default)"
    )
