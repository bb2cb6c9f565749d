"""Registry settings, read from SCHEMALINE_REGISTRY_* environment variables."""

from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from schemaline.runtime.settings import HttpSettings, ServiceSettings
from schemaline.sdk.compat import Level, Policy


class CompatDefaults(BaseModel):
    level: Level = Field(default=Level.BACKWARD, description="Level of subjects without their own")
    policy: Policy = Field(default=Policy.STRICT, description="Policy of subjects without their own")


class ConfluentSettings(BaseModel):
    gate_wait_s: float = Field(
        default=5.0,
        ge=0,
        description="How long a Confluent registration on a contract-bound subject waits for the gate",
    )


class RegistryHttpSettings(HttpSettings):
    # A subclass, not a default instance: an environment that sets only HTTP__PORT keeps these.
    enabled: bool = Field(default=True, description="Serve the REST API (the registry is its API)")
    port: int = Field(default=8081, ge=0, le=65535, description="Port the REST API binds")


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SCHEMALINE_REGISTRY_")

    service_name: str = "registry"
    http: RegistryHttpSettings = Field(default_factory=RegistryHttpSettings, description="The REST API")
    compat: CompatDefaults = Field(default_factory=CompatDefaults)
    confluent: ConfluentSettings = Field(default_factory=ConfluentSettings)
