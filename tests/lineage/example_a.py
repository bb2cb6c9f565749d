"""The seed's Example A as events: extractor → raw → gdp → kpi, every stage passing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from schemaline.contracts import (
    BatchLanded,
    DriftResolved,
    Envelope,
    PipelineFailed,
    SchemaDriftDetected,
    SchemaValidated,
    new_envelope,
)

T0 = datetime(2025, 10, 7, 6, 0, tzinfo=UTC)
SOURCE = "https://erp.example.com/api/invoices"
EXTRACTOR_OUT = "s3://warehouse/extractor/invoice/2025/10/07/part-0.jsonl"
RAW_OUT = "s3://warehouse/raw/invoice/2025/10/07/part-0.jsonl"
GDP_OUT = "s3://warehouse/gdp/invoice/2025/10/07/part-0.jsonl"
KPI_OUT = "s3://warehouse/kpi/invoice_daily/2025/10/07/part-0.jsonl"
QUARANTINE = "s3://warehouse/quarantine/gdp/invoice/jr-gdp-0002/part-0.jsonl"

STAGES: list[dict[str, Any]] = [
    {
        "pipeline_id": "finance_invoice_extractor",
        "run_id": "jr-ext-0001",
        "layer": "extractor",
        "declared": "finance.extractor.invoice:v1.0",
        "exact": "finance.extractor.invoice:v1.0",
        "inputs": [SOURCE],
        "output": EXTRACTOR_OUT,
    },
    {
        "pipeline_id": "finance_raw_ingest",
        "run_id": "jr-raw-0001",
        "layer": "raw",
        "declared": "finance.raw.invoice:v1.0",
        "exact": "finance.raw.invoice:v1.0",
        "inputs": [EXTRACTOR_OUT],
        "output": RAW_OUT,
    },
    {
        "pipeline_id": "finance_gdp_transform",
        "run_id": "jr-gdp-0001",
        "layer": "gdp",
        "declared": "finance.gdp.invoice:v1.1",
        "exact": "finance.gdp.invoice:v1.1",
        "inputs": ["s3://warehouse/raw/invoice/2025/10/07/"],  # a folder prefix of the raw output
        "output": GDP_OUT,
    },
    {
        "pipeline_id": "finance_kpi_aggregate",
        "run_id": "jr-kpi-0001",
        "layer": "kpi",
        "declared": "finance.kpi.invoice_daily:^1",
        "exact": "finance.kpi.invoice_daily:v1.0",
        "inputs": [GDP_OUT],
        "output": KPI_OUT,
    },
]


def _at(envelope: Envelope[Any], when: datetime) -> Envelope[Any]:
    return envelope.model_copy(update={"time": when})


def landed(
    stage: dict[str, Any], when: datetime, *, resolve_ms: float | None = None, **extra: Any
) -> Envelope[Any]:
    detail = BatchLanded.model_validate(
        {
            "pipeline_id": stage["pipeline_id"],
            "run_id": stage["run_id"],
            "layer": stage["layer"],
            "declared_fqid": stage["declared"],
            "object_uri": stage["output"],
            "record_count": 1000,
            "inputs": stage["inputs"],
            "execution": {
                "started_at": when - timedelta(seconds=90),
                "ended_at": when,
                "duration_ms": 90_000.0,
                "records_in": 1000,
                "records_out": 1000,
                "code_version": "0.1.0",
                "resolve_ms": resolve_ms,
            },
            **extra,
        }
    )
    return _at(new_envelope(detail, source="pipeline", resources=(*stage["inputs"], stage["output"])), when)


def validated(stage: dict[str, Any], when: datetime, **extra: Any) -> Envelope[Any]:
    detail = SchemaValidated.model_validate(
        {
            "pipeline_id": stage["pipeline_id"],
            "run_id": stage["run_id"],
            "layer": stage["layer"],
            "schema_fqid": stage["exact"],
            "object_uri": stage["output"],
            "record_count": 1000,
            "valid_count": 1000,
            "validation_ms": 42.0,
            **extra,
        }
    )
    return _at(new_envelope(detail, source="validator"), when)


def example_a() -> list[Envelope[Any]]:
    events = []
    for n, stage in enumerate(STAGES):
        start = T0 + timedelta(minutes=10 * n)
        events += [landed(stage, start), validated(stage, start + timedelta(minutes=2))]
    return events


def drift_and_rerun() -> list[Envelope[Any]]:
    """Example B's lineage: a GDP run drifts, a re-run of its quarantined records passes."""
    stage = {**STAGES[2], "run_id": "jr-gdp-0002"}
    rerun = {
        **stage,
        "run_id": "jr-gdp-0002-r1",
        "exact": "finance.gdp.invoice:v1.2",
        "inputs": [QUARANTINE],  # what the drift detector's re-run reads
        "output": "s3://warehouse/reruns/dc-0001/jr-gdp-0002-r1.jsonl",
    }
    start = T0 + timedelta(hours=1)
    drift = SchemaDriftDetected.model_validate(
        {
            "pipeline_id": stage["pipeline_id"],
            "run_id": stage["run_id"],
            "layer": "gdp",
            "schema_fqid": "finance.gdp.invoice:v1.1",
            "fields": [{"pointer": "/invoice_region_code", "kind": "unexpected_field", "records": 12}],
            "object_uri": stage["output"],
            "record_count": 1000,
            "drifted_count": 12,
            "quarantine_uri": QUARANTINE,
            "drift_case_id": "dc-0001",
        }
    )
    resolved = DriftResolved.model_validate(
        {
            "case_id": "dc-0001",
            "subject": "finance.gdp.invoice",
            "fqid": "finance.gdp.invoice:v1.2",
            "pipeline_id": stage["pipeline_id"],
            "original_run_id": stage["run_id"],
            "rerun_id": rerun["run_id"],
            "records_rerun": 12,
        }
    )
    return [
        landed(stage, start),
        _at(new_envelope(drift, source="validator"), start + timedelta(minutes=1)),
        landed(rerun, start + timedelta(minutes=30), rerun_of=stage["run_id"], drift_case_id="dc-0001"),
        validated(
            rerun,
            start + timedelta(minutes=31),
            rerun_of=stage["run_id"],
            drift_case_id="dc-0001",
            record_count=12,
            valid_count=12,
        ),
        _at(new_envelope(resolved, source="drift_detector"), start + timedelta(minutes=32)),
    ]


def failed_run() -> list[Envelope[Any]]:
    stage = {**STAGES[1], "run_id": "jr-raw-0002"}
    start = T0 + timedelta(hours=2)
    failure = PipelineFailed.model_validate(
        {
            "pipeline_id": stage["pipeline_id"],
            "run_id": stage["run_id"],
            "layer": "raw",
            "code": "PIPE-1002",
            "message": "3 records violate the schema",
            "component": "validator",
            "schema_ref": "finance.raw.invoice:v1.0",
            "object_uri": stage["output"],
            "violations": [{"pointer": "/amount", "rule": "minimum", "message": "-3 is less than 0"}],
        }
    )
    return [
        landed(stage, start),
        _at(new_envelope(failure, source="validator"), start + timedelta(minutes=1)),
    ]
