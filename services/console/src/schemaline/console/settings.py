"""Console settings (environment prefix SCHEMALINE_CONSOLE_)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from schemaline.runtime.settings import HttpSettings, ServiceSettings

SERVICE = "console"


class ConsoleHttpSettings(HttpSettings):
    # Serving pages is the console's whole job: on unless turned off.
    enabled: bool = Field(default=True, description="Serve the console's pages")
    port: int = Field(default=8088, ge=0, le=65535, description="Port the console binds")


class ApiUrls(BaseModel):
    """Where the services' operator APIs are; field names are the services' names."""

    registry: str = Field(default="http://127.0.0.1:8081", description="The registry's REST API")
    drift_detector: str = Field(default="http://127.0.0.1:8085", description="The drift detector's API")
    governance: str = Field(default="http://127.0.0.1:8086", description="Governance's API")
    lineage_writer: str = Field(default="http://127.0.0.1:8087", description="The lineage API")
    timeout_s: float = Field(default=10.0, gt=0, description="Timeout of one call to a service")


class SessionSettings(BaseModel):
    secret: SecretStr | None = Field(
        default=None,
        description="Key that signs session cookies and CSRF tokens (≥ 32 chars); unset: a random key "
        "per process, so sessions end when it restarts. Replicas behind one address need the same key.",
        min_length=32,
    )
    max_age_s: int = Field(default=8 * 3600, ge=60, description="A login lasts this long")
    secure_cookie: bool = Field(
        default=False, description="Mark cookies Secure: set it whenever the console is served over HTTPS"
    )


class ConsoleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SCHEMALINE_CONSOLE_")

    service_name: str = SERVICE
    apis: ApiUrls = Field(default_factory=ApiUrls)
    session: SessionSettings = Field(default_factory=SessionSettings)
    page_size: int = Field(default=25, ge=5, le=200, description="Rows per page of every list")
    http: ConsoleHttpSettings = Field(default_factory=ConsoleHttpSettings, description="The console's pages")
