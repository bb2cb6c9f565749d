"""Missed service levels become incidents too: one notice per level and day, closed when met again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import select

from schemaline.alerts.spec import SPEC
from schemaline.alerts.tables import incidents
from schemaline.runtime.service import start
from tests.support.webhook import Webhook

from .conftest import Alerts

pytestmark = pytest.mark.moto

GOOD = {
    "verdicts": {"pass": 500},
    "validation_ms_p95": 40.0,
    "resolver_ms_p95": 6.0,
    "runs": 120,
    "failed_runs": 0,
}


class Figures:
    """The lineage API's `/lineage/slo` answer, as the test sets it."""

    def __init__(self) -> None:
        self.now: Mapping[str, Any] = GOOD

    async def figures(self) -> Mapping[str, Any]:
        return self.now


async def test_a_missed_level_is_alerted_once_a_day_and_closed_when_met_again(
    alerts: Alerts, webhook: Webhook
) -> None:
    source = Figures()
    async with start(
        SPEC, alerts.settings, transport=alerts.transport, clock=alerts.clock, slo_source=source
    ) as running:
        watch = running.deps.slo
        assert watch is not None
        assert await watch.check() == []
        source.now = GOOD | {"verdicts": {"pass": 499, "drift": 1}}
        assert await watch.check() == ["pipeline.drift_events"]
        assert await watch.check() == ["pipeline.drift_events"], "still missed: no second notice"
        await running.deps.deliverer.round()
        await alerts.settled(running)
        source.now = GOOD
        assert await watch.check() == []
        assert running.engine is not None
        async with running.engine.connect() as conn:
            states = {row.incident_key: row.state for row in await conn.execute(select(incidents))}
    [text] = [str(message["text"]) for message in webhook.received]
    assert text.startswith("*SLO missed: pipeline.drift_events is 1 (target 0 / day)*")
    assert states == {"slo:pipeline.drift_events:2026-11-27": "resolved"}
