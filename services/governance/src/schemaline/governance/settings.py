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
    model_config = SettingsConfigDict(env_prefix="SCHEMALINE_GOVERNANCE_")

    service_name: str = SERVICE
    http: GovernanceHttpSettings = Field(
        default_factory=GovernanceHttpSettings, description="The operator API (off by default)"
    )
