"""Lineage writer settings (env prefix SCHEMALINE_LINEAGE_, nested parts with `__`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from schemaline.runtime.settings import HttpSettings, ServiceSettings

SERVICE = "lineage_writer"


class BatchSettings(BaseModel):
    max_rows: int = Field(default=5000, ge=1, description="Events written in one transaction at most")
    max_delay_s: float = Field(
        default=0.005, ge=0, description="How long a batch waits for company once it has a first event"
    )


class OpenLineageSettings(BaseModel):
    namespace: str = Field(default="schemaline", description="OpenLineage job namespace")
    producer: str = Field(
        default="https://github.com/schemaline/schemaline/services/lineage_writer",
        description="URI naming this producer in every RunEvent",
    )
    endpoint: str | None = Field(
        default=None,
        description="OpenLineage HTTP base URL (Marquez…); events are POSTed to {endpoint}/api/v1/lineage",
    )
    api_key: SecretStr | None = Field(
        default=None, description="Sent as `Authorization: Bearer KEY` (secret)"
    )
    timeout_s: float = Field(default=5.0, gt=0, description="HTTP timeout of one POST")
    schema_dir: Path | None = Field(
        default=None, description="Folder of {fqid}.json JSON Schemas, for the schema facet's fields"
    )


class LineageHttpSettings(HttpSettings):
    port: int = Field(default=8087, ge=0, le=65535, description="Port the read API binds")


class LineageSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SCHEMALINE_LINEAGE_")

    service_name: str = SERVICE
    batch: BatchSettings = Field(default_factory=BatchSettings)
    openlineage: OpenLineageSettings = Field(default_factory=OpenLineageSettings)
    http: LineageHttpSettings = Field(default_factory=LineageHttpSettings, description="The read API")
