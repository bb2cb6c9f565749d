"""Registry settings, read from SCHEMALINE_REGISTRY_* environment variables."""

from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

# Role, TokenGrant and AuthSettings live in the runtime (every API uses them); kept importable here.
from schemaline.runtime.settings import AuthSettings, Role, ServiceSettings, TokenGrant
from schemaline.sdk.compat import Level, Policy


class OutboxSettings(BaseModel):
    poll_interval_s: float = Field(default=0.5, gt=0, description="Relay poll period when not woken")
    batch_size: int = Field(default=100, ge=1, description="Events published per relay round")
    retry_backoff_s: float = Field(default=1.0, gt=0, description="Pause after a failed publish")


class CompatDefaults(BaseModel):
    level: Level = Field(default=Level.BACKWARD, description="Level of subjects without their own")
    policy: Policy = Field(default=Policy.STRICT, description="Policy of subjects without their own")


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="SCHEMALINE_REGISTRY_", env_nested_delimiter="__", extra="ignore"
    )

    service_name: str = Field(default="registry", description="Service name in logs, traces, queues")
    host: str = Field(default="127.0.0.1", description="Address uvicorn binds")
    port: int = Field(default=8081, ge=0, le=65535, description="Port uvicorn binds")
    migrate_on_start: bool = Field(default=True, description="Run Alembic migrations at start-up")
    consume_events: bool = Field(default=True, description="Subscribe to SchemaApproved/SchemaRejected")
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    compat: CompatDefaults = Field(default_factory=CompatDefaults)


__all__ = ["AuthSettings", "CompatDefaults", "OutboxSettings", "RegistrySettings", "Role", "TokenGrant"]
