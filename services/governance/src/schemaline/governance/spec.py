"""Governance as a service: the ledger and gate tables, every event consumed, nothing to open."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from schemaline.governance.handlers import HANDLERS, Deps
from schemaline.governance.settings import SERVICE, GovernanceSettings
from schemaline.governance.store import create_schema
from schemaline.governance.tables import metadata
from schemaline.runtime.service import Parts, ServiceSpec


@contextlib.asynccontextmanager
async def open_deps(_parts: Parts[GovernanceSettings], *, deps: Deps | None = None) -> AsyncIterator[Deps]:
    yield deps or Deps()


SPEC = ServiceSpec(
    name=SERVICE,
    settings=GovernanceSettings,
    handlers=HANDLERS,
    open=open_deps,
    tables=(metadata,),
    migration=create_schema,
)
