"""The test's side of the stack docker-compose.yml runs: where deploy/images/compose-test.sh put it
(its ports, secrets and profile, in the environment as SCHEMALINE_CT_*)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

from pydantic import SecretStr

from schemaline.runtime.bus import build_transport
from schemaline.runtime.settings import BusSettings

from .process_stack import ProcessStack, attach_stack

# compose's databases (deploy/local/postgres-init.sql) by service.
DATABASES = {
    "registry": "schemaline_registry",
    "drift_detector": "schemaline_drift",
    "lineage_writer": "schemaline_lineage",
    "governance": "schemaline_governance",
    "alerts": "schemaline_alerts",
}


def setting(name: str) -> str:
    value = os.environ.get(f"SCHEMALINE_CT_{name}")
    if not value:
        raise RuntimeError(f"SCHEMALINE_CT_{name} is not set: run deploy/images/compose-test.sh")
    return value


def bus_settings(profile: str, moto_endpoint: str) -> BusSettings:
    """The bus as compose configures it (the settings' default names), reached from the host."""
    if profile == "eventbridge":
        return BusSettings(transport="eventbridge", aws_endpoint_url=moto_endpoint, wait_time_s=1)
    amqp = f"amqp://schemaline:{setting('RABBITMQ_PASSWORD')}@127.0.0.1:{setting('RABBITMQ_PORT')}/"
    return BusSettings(transport="rabbitmq", amqp_url=SecretStr(amqp))


@contextlib.asynccontextmanager
async def compose_stack(workdir: Path) -> AsyncIterator[ProcessStack]:
    postgres = f"schemaline:{setting('POSTGRES_PASSWORD')}@127.0.0.1:{setting('POSTGRES_PORT')}"
    moto_endpoint = f"http://127.0.0.1:{setting('MOTO_PORT')}"
    bus = bus_settings(setting("PROFILE"), moto_endpoint)
    async with attach_stack(
        workdir,
        tag=setting("PROJECT"),
        transport=lambda: build_transport(bus),
        database_urls={s: f"postgresql+asyncpg://{postgres}/{db}" for s, db in DATABASES.items()},
        moto_endpoint=moto_endpoint,
        urls={
            service: f"http://127.0.0.1:{setting(port)}"
            for service, port in (
                ("registry", "REGISTRY_PORT"),
                ("drift_detector", "DRIFT_PORT"),
                ("governance", "GOVERNANCE_PORT"),
                ("console", "CONSOLE_PORT"),
            )
        },
        tokens={role: setting(f"{role.upper()}_TOKEN") for role in ("runner", "publisher", "approver")},
    ) as stack:
        yield stack
