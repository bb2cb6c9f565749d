"""Governance settings (env prefix SCHEMALINE_GOVERNANCE_, nested parts with `__`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from schemaline.runtime.settings import HttpSettings, ServiceSettings

SERVICE = "governance"


class GovernanceHttpSettings(HttpSettings):
    # A subclass, not a default instance: an environment that sets only HTTP__ENABLED keeps the port.
    port: int = Field(default=8086, ge=0, le=65535, description="Port the operator API binds")


class GovernanceSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="SCHEMALINE_GOVERNANCE_", env_nested_delimiter="__", extra="ignore"
    )

    service_name: str = Field(default=SERVICE, description="Service name in logs, traces and queues")
    http: GovernanceHttpSettings = Field(
        default_factory=GovernanceHttpSettings, description="The operator API (off by default)"
    )
