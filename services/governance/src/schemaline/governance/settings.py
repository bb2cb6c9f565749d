"""Governance settings (env prefix SCHEMALINE_GOVERNANCE_, nested parts with `__`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from schemaline.runtime.settings import ServiceSettings

SERVICE = "governance"


class GovernanceSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="SCHEMALINE_GOVERNANCE_", env_nested_delimiter="__", extra="ignore"
    )

    service_name: str = Field(default=SERVICE, description="Service name in logs, traces and queues")
    approvers: dict[str, str] = Field(
        default_factory=dict,
        description="Approver name → sha256 hex of the approver's token (tokens are never stored)",
        examples=[{"alice": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}],
    )
