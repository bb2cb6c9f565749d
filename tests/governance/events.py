"""Event builders for the governance tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.contracts import (
    BatchLanded,
    DriftResolved,
    Envelope,
    SchemaDriftDetected,
    SchemaProposed,
    new_envelope,
)
from schemaline.governance.handlers import HANDLERS, Deps
from schemaline.governance.settings import SERVICE
from schemaline.runtime.bus import EventBus, InMemoryTransport
from schemaline.runtime.handling import Binding
from schemaline.runtime.outbox import OutboxRelay
from schemaline.runtime.settings import OutboxSettings

SUBJECT = "finance.gdp.invoice"


def drift(run: str = "jr-gdp-0001", *, subject: str = SUBJECT, case: str | None = None) -> Envelope[Any]:
    detail = SchemaDriftDetected.model_validate(
        {
            "pipeline_id": "finance_gdp_transform",
            "run_id": run,
            "layer": "gdp",
            "schema_fqid": f"{subject}:v1.1",
            "fields": [{"pointer": "/invoice_region_code", "kind": "unexpected_field", "records": 12}],
            "object_uri": f"s3://warehouse/gdp/invoice/{run}/part-0.jsonl",
            "record_count": 100,
            "drifted_count": 12,
            "quarantine_uri": f"s3://warehouse/quarantine/gdp/invoice/{run}/",
            "drift_case_id": case,
        }
    )
    return new_envelope(detail, source="validator")


def resolved(case: str, *, run: str = "jr-gdp-0001", subject: str = SUBJECT) -> Envelope[Any]:
    detail = DriftResolved.model_validate(
        {
            "case_id": case,
            "subject": subject,
            "fqid": f"{subject}:v1.2",
            "pipeline_id": "finance_gdp_transform",
            "original_run_id": run,
            "rerun_id": f"{run}-rerun",
            "records_rerun": 12,
        }
    )
    return new_envelope(detail, source="drift_detector")


def proposed(
    proposal: str,
    *,
    version: str = "v1.2",
    subject: str = SUBJECT,
    compatible: bool = True,
    covers: tuple[str, ...] = (),
) -> Envelope[Any]:
    detail = SchemaProposed.model_validate(
        {
            "proposal_id": proposal,
            "subject": subject,
            "proposed_fqid": f"{subject}:{version}",
            "base_fqid": f"{subject}:v1.1",
            "fingerprint": "sha256:" + "ab" * 32,
            "compatible": compatible,
            "level": "BACKWARD",
            "policy": "strict",
            "covers_drift_cases": list(covers),
            "proposed_by": "ops@example.com",
        }
    )
    return new_envelope(detail, source="registry")


def landed(run: str = "jr-raw-0001", *, declared: str | None = "finance.raw.invoice:v1.0") -> Envelope[Any]:
    detail = BatchLanded.model_validate(
        {
            "pipeline_id": "finance_raw_ingest",
            "run_id": run,
            "layer": "raw",
            "declared_fqid": declared,
            "object_uri": f"s3://warehouse/raw/invoice/{run}/part-0.jsonl",
        }
    )
    return new_envelope(detail, source="pipeline")


async def ledger_events(engine: AsyncEngine, events: list[Envelope[Any]]) -> None:
    """Hand each event to governance's own handlers, as its consumer would (answers stay staged)."""
    bus = EventBus(InMemoryTransport())
    relay = OutboxRelay(engine, bus, OutboxSettings())
    handlers = HANDLERS.bind(Deps(), Binding(SERVICE, bus, engine, relay))
    for event in events:
        await handlers[event.detail_type](event)
