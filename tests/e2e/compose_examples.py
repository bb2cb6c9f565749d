"""Examples A and B on the stack docker-compose.yml runs, each service in its container, on the bus
of the profile the stack runs. Not collected with the suite (it needs that stack):
deploy/images/compose-test.sh brings the stack up, names this file to pytest, and takes it down."""

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.alerts.tables import deliveries, incidents
from schemaline.governance.chain import verify
from schemaline.governance.ledger import read_entries, read_head
from schemaline.lineage_writer.sql_store import SqlLineageReader
from schemaline.runtime.db import create_engine

from .compose_stack import compose_stack
from .console_pages import console_shows_example_b
from .examples import example_a, example_b

pytestmark = [pytest.mark.slow]


async def test_examples_a_and_b_on_the_compose_stack(tmp_path: Path) -> None:
    async with compose_stack(tmp_path) as stack:
        lineage = SqlLineageReader(stack.lineage_engine)
        await example_a(stack, lineage)
        drift = await example_b(stack, lineage)
        await stack.settle()
        # The console's compose service, on its host port, with the approver's token.
        await console_shows_example_b(stack.urls["console"], stack.tokens["approver"], drift)
        entries = [entry async for entry in read_entries(stack.governance_engine)]
        result = verify(entries, head=await read_head(stack.governance_engine))
        assert result.ok, result.render()
        assert len(entries) >= len(stack.events()) - 1
        # The alerts service opened Example B's drift incident and its notice reached the SNS topic
        # init-alerts-topic made on moto (delivered: moto's Publish answered).
        alerts = create_engine(stack.database_urls["alerts"])
        try:
            await _drift_notice_delivered(alerts)
        finally:
            await alerts.dispose()


async def _drift_notice_delivered(engine: AsyncEngine, within_s: float = 30.0) -> None:
    query = (
        select(deliveries.c.delivered_at, deliveries.c.last_error)
        .join(incidents, incidents.c.incident_key == deliveries.c.incident_key)
        .where(incidents.c.kind == "drift", deliveries.c.channel == "sns")
    )
    rows: list[tuple[object, object]] = []
    for _ in range(int(within_s)):
        async with engine.connect() as conn:
            rows = [(r.delivered_at, r.last_error) for r in await conn.execute(query)]
        if rows and all(delivered is not None for delivered, _ in rows):
            return
        await asyncio.sleep(1)
    raise AssertionError(f"no delivered SNS notice of a drift incident: {rows}")
