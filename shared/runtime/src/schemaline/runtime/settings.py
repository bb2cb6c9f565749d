"""Settings: one pydantic-settings class per service, nested parts, logged once with secrets masked."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class BusSettings(BaseModel):
    transport: Literal["memory", "rabbitmq", "eventbridge"] = Field(
        default="memory", description="in-process bus (embedded default), RabbitMQ, or EventBridge → SQS"
    )
    amqp_url: SecretStr = Field(
        default=SecretStr("amqp://guest:guest@127.0.0.1:5672/"), description="RabbitMQ URL"
    )
    exchange: str = Field(default="schemaline.events", description="Durable topic exchange")
    queue_prefix: str = Field(default="schemaline", description="Prefix of per-service queues")
    prefetch: int = Field(default=128, ge=1, description="Unacked messages per consumer")
    concurrency: int = Field(
        default=1, ge=1, description="Messages a service's consumer handles at once (keep ≤ prefetch)"
    )
    max_attempts: int = Field(
        default=3, ge=1, description="Attempts after an unexpected handler error before dead-lettering"
    )
    retry_for_s: float = Field(
        default=300.0,
        ge=0,
        description="How long a handler is retried while a dependency (database, broker, S3, registry) "
        "is unreachable before its message is dead-lettered",
    )
    max_backoff_s: float = Field(default=30.0, gt=0, description="Longest pause between two retries")
    max_message_bytes: int = Field(
        default=262_144, ge=1024, description="Bigger messages are dead-lettered undecoded (SQS's limit)"
    )
    recent_ids: int = Field(
        default=10_000, ge=0, description="Event ids a consumer remembers to skip redeliveries (bounded)"
    )
    retry_backoff_s: float = Field(default=0.2, ge=0, description="First retry delay; doubles, with jitter")
    queue_expires_s: float | None = Field(
        default=None, gt=0, description="Let the broker delete queues unused this long (dev, tests)"
    )
    event_bus: str = Field(default="schemaline-events", description="EventBridge bus name")
    aws_region: str = Field(default="eu-west-1", description="EventBridge and SQS region")
    aws_endpoint_url: str | None = Field(
        default=None, description="EventBridge and SQS endpoint (a moto server locally; unset for AWS)"
    )
    provision: bool = Field(
        default=True,
        description="EventBridge: make the bus, queues, rules at start (dev); false: only use what "
        "infrastructure code made (production: deploy/aws), with no control-plane rights",
    )
    wait_time_s: int = Field(default=20, ge=0, le=20, description="SQS long-poll wait per receive")
    visibility_timeout_s: int = Field(
        default=60,
        ge=0,
        le=43200,
        description="SQS visibility timeout: an unsettled message returns after it",
    )


class DatabaseSettings(BaseModel):
    url: SecretStr = Field(
        default=SecretStr("sqlite+aiosqlite:///.schemaline/schemaline.db"),
        description="SQLAlchemy async URL: postgresql+asyncpg://… or sqlite+aiosqlite:///…",
    )
    migrate_on_start: bool | None = Field(
        default=None,
        description="Create/upgrade tables at start; unset: yes on SQLite, no elsewhere (run `migrate`)",
    )

    def migrates_on_start(self) -> bool:
        if self.migrate_on_start is not None:
            return self.migrate_on_start
        return self.url.get_secret_value().startswith("sqlite")


class OutboxSettings(BaseModel):
    poll_interval_s: float = Field(default=0.5, gt=0, description="Relay poll period when not woken")
    batch_size: int = Field(default=100, ge=1, description="Events published per relay round")
    retry_backoff_s: float = Field(default=1.0, gt=0, description="Pause after a failed publish")


class ObjectStoreSettings(BaseModel):
    kind: Literal["local", "s3"] = Field(
        default="local", description="a local folder (embedded default) or S3"
    )
    root: str = Field(
        default=".schemaline/objects", description="Local folder: s3://bucket/key lives at ROOT/bucket/key"
    )
    endpoint_url: str | None = Field(
        default=None, description="S3 endpoint (a moto server locally; unset for AWS)"
    )
    region: str = Field(default="eu-west-1", description="S3 region")


class TelemetrySettings(BaseModel):
    exporter: Literal["none", "console", "otlp", "jsonl"] = Field(
        default="none", description="Span exporter: none, console, OTLP/HTTP, or JSON lines to a file"
    )
    otlp_endpoint: str | None = Field(default=None, description="OTLP/HTTP endpoint for traces")
    metrics: Literal["none", "otlp", "prometheus", "both"] = Field(
        default="none",
        description="Metrics exporter: none, OTLP/HTTP, a Prometheus `/metrics` on the service's HTTP "
        "port, or both",
    )
    otlp_metrics_endpoint: str | None = Field(
        default=None,
        description="OTLP/HTTP endpoint for metrics (…/v1/metrics); unset: OTEL_EXPORTER_OTLP_* or "
        "localhost:4318",
    )
    metrics_interval_s: float = Field(default=60.0, gt=0, description="Seconds between OTLP metric exports")
    jsonl_path: str | None = Field(default=None, description="File the jsonl exporter appends spans to")


class LogSettings(BaseModel):
    level: str = Field(default="INFO", description="Log level")
    json_logs: bool = Field(default=True, description="JSON lines (True) or console rendering")


class HealthSettings(BaseModel):
    heartbeat_path: str = Field(
        default="/tmp/schemaline-heartbeat",
        description="File a running service touches while its consumers are alive (liveness probes)",
    )
    interval_s: float = Field(default=10.0, gt=0, description="Seconds between consumer checks and touches")
    max_age_s: float = Field(
        default=60.0, gt=0, description="A heartbeat older than this is stale (the probe's default)"
    )


class Role(StrEnum):
    """What a bearer token may do: read (runner), propose and configure (publisher), govern (approver)."""

    RUNNER = "runner"
    PUBLISHER = "publisher"
    APPROVER = "approver"


class TokenGrant(BaseModel):
    """One bearer token and the role it grants; `name` is who proposals and actions are recorded as."""

    name: str = Field(min_length=1, max_length=64, description="Principal name", examples=["glue-jobs"])
    role: Role = Field(description="Role the token grants")
    token: SecretStr = Field(min_length=16, description="The bearer token itself")


class AuthSettings(BaseModel):
    tokens: list[TokenGrant] = Field(
        default_factory=list,
        description='JSON list, e.g. [{"name": "glue", "role": "runner", "token": "…"}]',
    )


class HttpSettings(BaseModel):
    enabled: bool = Field(default=False, description="Serve the service's HTTP API from its process")
    host: str = Field(default="127.0.0.1", description="Address the HTTP API binds")
    port: int = Field(default=8080, ge=0, le=65535, description="Port the HTTP API binds")
    max_body_bytes: int = Field(
        default=4 * 1024 * 1024, ge=1024, description="Bigger request bodies are refused with 413"
    )
    rate_per_s: float = Field(
        default=20.0, gt=0, description="Requests per second a token may make to an expensive route (429)"
    )
    burst: int = Field(
        default=40, ge=1, description="Requests a token may make at once to an expensive route"
    )


class ServiceSettings(BaseSettings):
    """Base of every service's settings; a subclass sets only its `env_prefix` (pydantic merges the
    rest of this config into it): `model_config = SettingsConfigDict(env_prefix="SCHEMALINE_X_")`."""

    model_config = SettingsConfigDict(env_prefix="SCHEMALINE_", env_nested_delimiter="__", extra="ignore")

    service_name: str = Field(default="schemaline", description="Service name in logs and traces")
    bus: BusSettings = Field(default_factory=BusSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    objects: ObjectStoreSettings = Field(default_factory=ObjectStoreSettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
    log: LogSettings = Field(default_factory=LogSettings)
    health: HealthSettings = Field(default_factory=HealthSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)


def masked(settings: BaseModel) -> dict[str, Any]:
    """The settings as logged: every secret replaced by asterisks."""
    dumped: dict[str, Any] = settings.model_dump(mode="json")
    return dumped
