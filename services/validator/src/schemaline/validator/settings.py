"""Validator settings (environment prefix SCHEMALINE_VALIDATOR_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from schemaline.runtime.settings import ServiceSettings
from schemaline.sdk.registry_settings import RegistryClientSettings


class ValidatorSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SCHEMALINE_VALIDATOR_")

    service_name: str = "validator"
    registry: RegistryClientSettings = Field(default_factory=RegistryClientSettings)
    quarantine_prefix: str = Field(
        default="s3://warehouse/quarantine",
        description="Quarantine root: <prefix>/<pipeline_id>/<subject>/<run_id>/<batch>.jsonl",
    )
