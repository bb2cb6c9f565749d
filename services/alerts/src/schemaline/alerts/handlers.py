"""The alerts service's handlers: drift and failures open incidents; resolutions close them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import structlog

from schemaline.alerts import store
from schemaline.alerts.channels import Channel
from schemaline.alerts.deliver import Deliverer
from schemaline.alerts.incidents import Incident, drift_incident, failure_incident
from schemaline.alerts.slo import SloWatch
from schemaline.alerts.tables import incidents
from schemaline.contracts import (
    DriftResolved,
    Envelope,
    PipeCode,
    PipelineFailed,
    SchemaDriftDetected,
    SchemaValidated,
)
from schemaline.runtime.handling import Tx, TxHandlers

SERVICE = "alerts"
log = structlog.get_logger("schemaline.alerts")


@dataclass
class Deps:
    channels: Mapping[str, Channel]
    deliverer: Deliverer
    escalate: frozenset[PipeCode]
    slo: SloWatch | None = None


async def _open(tx: Tx, deps: Deps, incident: Incident, *, case_id: str | None = None) -> None:
    now = deps.deliverer.clock()
    if await store.record(tx.conn, incident, now, case_id=case_id):
        await store.stage_notice(tx.conn, incident.key, "alert", deps.channels, now)
        log.info("incident opened", incident=incident.key, severity=incident.severity)
    else:
        log.info("incident seen again", incident=incident.key)


async def on_drift(envelope: Envelope[SchemaDriftDetected], deps: Deps, tx: Tx) -> None:
    # The drift case is named after the detection that opened it (decision 10).
    await _open(tx, deps, drift_incident(envelope.detail), case_id=envelope.id)


async def on_failed(envelope: Envelope[PipelineFailed], deps: Deps, tx: Tx) -> None:
    await _open(tx, deps, failure_incident(envelope.detail, envelope.id, deps.escalate))


async def on_drift_resolved(envelope: Envelope[DriftResolved], _deps: Deps, tx: Tx) -> None:
    closed = await store.resolve(tx.conn, incidents.c.case_id == envelope.detail.case_id)
    if closed:
        log.info("incident resolved", incidents=closed)


async def on_validated(envelope: Envelope[SchemaValidated], _deps: Deps, tx: Tx) -> None:
    """A run of the pipeline passed: its earlier failed runs are no longer open incidents."""
    closed = await store.resolve(
        tx.conn, incidents.c.kind == "failure", incidents.c.pipeline_id == envelope.detail.pipeline_id
    )
    if closed:
        log.info("incident resolved", incidents=closed)


HANDLERS = TxHandlers[Deps]()
HANDLERS.on(SchemaDriftDetected, on_drift)
HANDLERS.on(PipelineFailed, on_failed)
HANDLERS.on(DriftResolved, on_drift_resolved)
HANDLERS.on(SchemaValidated, on_validated)
