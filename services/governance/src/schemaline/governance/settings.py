"""Governance settings (env prefix SCHEMALINE_GOVERNANCE_, nested parts with `__`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from schemaline.runtime.settings import HttpSettings, ServiceSettings

SERVICE = "governance"


class GovernanceSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="SCHEMALINE_GOVERNANCE_", env_nested_delimiter="__", extra="ignore"
    )

    service_name: str = Field(default=SERVICE, description="Service name in logs, traces and queues")
    http: HttpSettings = Field(
        default_factory=lambda: HttpSettings(port=8086), description="The operator API (off by default)"
    )
