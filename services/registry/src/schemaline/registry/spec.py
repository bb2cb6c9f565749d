"""The registry as a service: its Alembic-migrated tables, the REST API, the gate's decisions."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from fastapi import FastAPI

from schemaline.registry.api import create_app
from schemaline.registry.compat import Checker
from schemaline.registry.handlers import HANDLERS, SERVICE
from schemaline.registry.migrations import migrate
from schemaline.registry.service import Registry, utcnow
from schemaline.registry.settings import RegistrySettings
from schemaline.registry.sql import SqlRepository
from schemaline.registry.tables import metadata
from schemaline.runtime.http.auth import TokenTable
from schemaline.runtime.service import Parts, ServiceSpec
from schemaline.sdk import compat


@contextlib.asynccontextmanager
async def open_deps(
    parts: Parts[RegistrySettings],
    *,
    checker: Checker = compat.check,
    now: Callable[[], datetime] | None = None,
) -> AsyncIterator[Registry]:
    yield Registry(
        repo=SqlRepository(parts.database()),
        checker=checker,
        defaults=parts.settings.compat,
        notify_outbox=parts.outbox().notify,
        now=now or utcnow,
    )


def api(registry: Registry, parts: Parts[RegistrySettings]) -> FastAPI:
    return create_app(
        registry, TokenTable(parts.settings.auth.tokens), gate_wait_s=parts.settings.confluent.gate_wait_s
    )


SPEC = ServiceSpec(
    name=SERVICE,
    settings=RegistrySettings,
    handlers=HANDLERS,
    open=open_deps,
    tables=(metadata,),
    migration=migrate,
    api=api,
    # No ping per checkout (a round trip on every fetch): a dead connection is retried once instead.
    engine_options={"pool_pre_ping": False, "pool_recycle": 1800},
)
