"""Validator settings (environment prefix SCHEMALINE_VALIDATOR_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from schemaline.runtime.settings import HttpSettings, ServiceSettings
from schemaline.sdk.registry_settings import RegistryClientSettings


class ValidatorHttpSettings(HttpSettings):
    # A subclass, not a default instance: an environment that sets only HTTP__ENABLED keeps the port.
    port: int = Field(default=8089, ge=0, le=65535, description="Port the operator API binds")


class ValidatorSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SCHEMALINE_VALIDATOR_")

    service_name: str = "validator"
    registry: RegistryClientSettings = Field(default_factory=RegistryClientSettings)
    quarantine_prefix: str = Field(
        default="s3://warehouse/quarantine",
        description="Quarantine root: <prefix>/<pipeline_id>/<subject>/<run_id>/<batch>.jsonl",
    )
    http: ValidatorHttpSettings = Field(
        default_factory=ValidatorHttpSettings, description="The operator API: its DLQ (off by default)"
    )
