"""Drift detector settings (environment prefix SCHEMALINE_DRIFT_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from schemaline.runtime.settings import HttpSettings, ServiceSettings
from schemaline.sdk.registry_settings import RegistryClientSettings


class DriftHttpSettings(HttpSettings):
    # A subclass, not a default instance: an environment that sets only HTTP__ENABLED keeps the port.
    port: int = Field(default=8085, ge=0, le=65535, description="Port the operator API binds")


class DriftSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SCHEMALINE_DRIFT_")

    service_name: str = "drift_detector"
    registry: RegistryClientSettings = Field(default_factory=RegistryClientSettings)
    rerun_prefix: str = Field(
        default="s3://warehouse/reruns", description="Where re-run batches of quarantined records go"
    )
    http: DriftHttpSettings = Field(
        default_factory=DriftHttpSettings, description="The operator API (off by default)"
    )
