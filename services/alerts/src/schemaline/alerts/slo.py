"""Missed service levels as incidents: the lineage API's figures, judged against the seed's targets.

One incident per level and UTC day (`slo:<metric>:<day>`), closed when a later check meets the
target again; its notices go out like any other incident's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Protocol

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.alerts import store
from schemaline.alerts.deliver import Deliverer
from schemaline.alerts.incidents import Incident
from schemaline.alerts.tables import incidents
from schemaline.sdk.slo import judge

log = structlog.get_logger("schemaline.alerts")


class SloSource(Protocol):
    async def figures(self) -> Mapping[str, Any]:
        """What lineage records of the levels over the last 24 h (`LineageClient.slo`)."""
        ...


class LineageSlo:
    def __init__(self, client: Any) -> None:
        self._client = client

    async def figures(self) -> Mapping[str, Any]:
        result: Mapping[str, Any] = await self._client.slo(None, None)
        return result


def slo_incident(level: Mapping[str, Any], day: str) -> Incident:
    return Incident(
        key=f"slo:{level['name']}:{day}",
        kind="slo",
        severity="warning",
        title=f"SLO missed: {level['name']} is {level['value']} (target {level['target']})",
        body=f"Over the 24 h to this check, {level['name']} was {level['value']}; the target is "
        f"{level['target']}. `schemaline slo` shows all five (docs/observability.md).",
        pipeline_id="-",
    )


class SloWatch:
    def __init__(
        self, engine: AsyncEngine, source: SloSource, deliverer: Deliverer, interval_s: float
    ) -> None:
        self._engine = engine
        self._source = source
        self._deliverer = deliverer
        self._interval_s = interval_s

    async def run(self) -> None:
        while True:
            try:
                await self.check()
            except Exception:  # the lineage API is away: the next check tries again
                log.exception("service-level check failed")
            await asyncio.sleep(self._interval_s)

    async def check(self) -> list[str]:
        """Open (and notify) an incident per missed level, close those met again; the missed names."""
        levels = judge(await self._source.figures())
        now = self._deliverer.clock()
        day = now.date().isoformat()
        missed = [level for level in levels if level["met"] is False]
        async with self._engine.begin() as conn:
            for level in missed:
                incident = slo_incident(level, day)
                if await store.record(conn, incident, now):
                    await store.stage_notice(conn, incident.key, "alert", self._deliverer.channels, now)
                    log.warning("service level missed", level=level["name"], value=level["value"])
            for level in levels:
                if level["met"] is True:
                    prefix = f"slo:{level['name']}:"
                    await store.resolve(
                        conn, incidents.c.kind == "slo", incidents.c.incident_key.startswith(prefix)
                    )
        return [level["name"] for level in missed]
