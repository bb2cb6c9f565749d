"""The drift detector over the in-memory bus, on SQLite and PostgreSQL."""

import json
from typing import Any

from schemaline.contracts import (
    DriftedField,
    DriftKind,
    DriftResolved,
    Envelope,
    FieldDriftKind,
    Fqid,
    SchemaDriftDetected,
    SchemaPublished,
    SchemaValidated,
    new_envelope,
)
from schemaline.drift_detector.cases import CaseState
from tests.support.aio import eventually
from tests.support.metrics import counter_total

from .conftest import GOOD, V11, V12, Harness

REGION = DriftedField(
    pointer="/invoice_region_code", kind=FieldDriftKind.UNEXPECTED, observed_types=("string",), records=2
)


def drift(run: str, *, quarantine: str | None = None, **extra: Any) -> Envelope[SchemaDriftDetected]:
    detail = SchemaDriftDetected.model_validate(
        {
            "pipeline_id": "finance_gdp_transform",
            "run_id": run,
            "layer": "gdp",
            "schema_fqid": str(V11),
            "fields": [REGION.model_dump()],
            "object_uri": f"s3://warehouse/gdp/invoice/{run}.jsonl",
            "record_count": 10,
            "drifted_count": 2,
            "quarantine_uri": quarantine or f"s3://warehouse/quarantine/{run}.jsonl",
        }
        | extra
    )
    return new_envelope(detail, source="test")


def validated(run: str, fqid: Fqid = V11, **extra: Any) -> Envelope[SchemaValidated]:
    detail = SchemaValidated.model_validate(
        {
            "pipeline_id": "finance_gdp_transform",
            "run_id": run,
            "layer": "gdp",
            "schema_fqid": str(fqid),
            "object_uri": f"s3://warehouse/gdp/invoice/{run}.jsonl",
            "record_count": 2,
            "valid_count": 2,
            "validation_ms": 1.0,
        }
        | extra
    )
    return new_envelope(detail, source="test")


def published(fqid: Fqid = V12, covers: tuple[str, ...] = ()) -> Envelope[SchemaPublished]:
    detail = SchemaPublished.model_validate(
        {
            "fqid": str(fqid),
            "fingerprint": "sha256:00",
            "published_at": "2025-10-07T00:00:00Z",
            "covers_drift_cases": list(covers),
        }
    )
    return new_envelope(detail, source="test")


async def cases(h: Harness) -> list[Any]:
    async with h.engine.connect() as conn:
        return await h.deps.cases.all_cases(conn)


async def case_count(h: Harness) -> int:
    async with h.engine.connect() as conn:
        return await h.deps.cases.count(conn)


async def test_repeated_drift_counts_on_one_case(harness: Harness) -> None:
    for run in ("jr-1", "jr-2", "jr-3"):
        await harness.bus.publish(drift(run))
    last = drift("jr-3b")
    await harness.bus.publish(last)
    await harness.until_processed(last)
    [case] = await cases(harness)
    assert case.state is CaseState.OPEN
    assert case.detections == 4
    assert case.drifted_records == 8
    assert case.fields == (REGION,)
    assert counter_total(harness.metrics, "pipeline.drift_events") == 4


async def test_a_different_signature_opens_another_case(harness: Harness) -> None:
    await harness.bus.publish(drift("jr-1"))
    other = drift(
        "jr-2",
        fields=[{"pointer": "/amount", "kind": "type_changed", "observed_types": ["string"], "records": 1}],
    )
    await harness.bus.publish(other)
    await harness.until_processed(other)
    assert await case_count(harness) == 2


async def test_a_redelivered_drift_has_no_second_effect(harness: Harness) -> None:
    event = drift("jr-1")
    await harness.bus.publish(event)
    await harness.bus.publish(event)
    marker = drift("jr-9", fields=[{"pointer": "/x", "kind": "unexpected_field", "records": 1}])
    await harness.bus.publish(marker)
    await harness.until_processed(marker)
    by_fields = {c.fields[0].pointer: c for c in await cases(harness)}
    assert by_fields["/invoice_region_code"].detections == 1


async def test_a_version_change_within_a_run_is_drift(harness: Harness) -> None:
    await harness.bus.publish(validated("jr-5", V11))
    second = validated("jr-5", V12)
    await harness.bus.publish(second)
    await eventually(lambda: len(harness.published("SchemaDriftDetected")) == 1, what="mid-run drift")
    alert = harness.published("SchemaDriftDetected")[0].detail
    assert alert.kind is DriftKind.MID_RUN_VERSION_CHANGE
    assert alert.previous_fqid == V11
    assert alert.schema_fqid == V12
    assert alert.run_id == "jr-5"
    # A new run may use the new version freely.
    third = validated("jr-6", V12)
    await harness.bus.publish(third)
    await harness.until_processed(third)
    await harness.bus.publish(second)  # redelivery: no second alert
    await harness.until_processed(third)
    assert len(harness.published("SchemaDriftDetected")) == 1


async def test_a_covering_version_reruns_the_quarantine_and_resolves_the_case(harness: Harness) -> None:
    quarantine = "s3://warehouse/quarantine/jr-1.jsonl"
    drifted = [GOOD | {"invoice_region_code": "EU-W"}, GOOD | {"invoice_region_code": "EU-N"}]
    await harness.quarantine(quarantine, drifted)
    opening = drift("jr-1", quarantine=quarantine)
    await harness.bus.publish(opening)
    await harness.until_processed(opening)
    await harness.bus.publish(published(V12))
    await eventually(lambda: len(harness.published("BatchLanded")) == 1, what="the re-run batch")
    landed = harness.published("BatchLanded")[0]
    assert landed.resources == (landed.detail.object_uri, quarantine)  # lineage: the re-run read this
    rerun = landed.detail
    assert rerun.rerun_of == "jr-1"
    assert rerun.run_id == "jr-1.rerun.v1.2"
    assert str(rerun.declared_fqid) == "finance.gdp.invoice:v1.2"
    assert rerun.record_count == 2
    assert rerun.inputs == (quarantine,)
    assert rerun.execution is not None
    assert (rerun.execution.records_in, rerun.execution.records_out) == (2, 2)
    assert rerun.execution.code_version
    assert rerun.execution.resolve_ms is None, "submitting a re-run resolves no schema"
    data = await harness.objects.get_bytes(rerun.object_uri)
    assert [json.loads(line) for line in data.splitlines()] == drifted
    [case] = await cases(harness)
    assert rerun.drift_case_id == case.case_id

    passed = validated(rerun.run_id, V12, rerun_of="jr-1", drift_case_id=case.case_id)
    await harness.bus.publish(passed)
    await eventually(lambda: len(harness.published("DriftResolved")) == 1, what="DriftResolved")
    resolved = harness.published("DriftResolved")[0].detail
    assert isinstance(resolved, DriftResolved)
    assert (resolved.case_id, resolved.original_run_id, resolved.rerun_id) == (
        case.case_id,
        "jr-1",
        "jr-1.rerun.v1.2",
    )
    assert resolved.records_rerun == 2
    [case] = await cases(harness)
    assert case.state is CaseState.RESOLVED
    assert case.resolved_by_fqid == str(V12)


async def test_a_version_that_does_not_cover_the_case_reruns_nothing(harness: Harness) -> None:
    await harness.quarantine("s3://warehouse/quarantine/jr-1.jsonl", [GOOD | {"invoice_region_code": "EU"}])
    await harness.bus.publish(drift("jr-1"))
    same_shape = published(V11)
    await harness.bus.publish(same_shape)
    await harness.until_processed(same_shape)
    assert harness.published("BatchLanded") == []


async def test_a_partially_failing_rerun_keeps_the_case_open_with_the_reason(harness: Harness) -> None:
    await harness.quarantine("s3://warehouse/quarantine/jr-1.jsonl", [GOOD | {"invoice_region_code": 7}])
    await harness.bus.publish(drift("jr-1"))
    await harness.bus.publish(published(V12))
    await eventually(lambda: len(harness.published("BatchLanded")) == 1, what="the re-run batch")
    rerun = harness.published("BatchLanded")[0].detail
    still = drift(
        rerun.run_id,
        schema_fqid=str(V12),
        rerun_of="jr-1",
        drift_case_id=rerun.drift_case_id,
        drifted_count=1,
        fields=[
            {
                "pointer": "/invoice_region_code",
                "kind": "type_changed",
                "observed_types": ["integer"],
                "records": 1,
            }
        ],
        quarantine_uri="s3://warehouse/quarantine/jr-1.rerun.v1.2.jsonl",
    )
    await harness.bus.publish(still)
    await harness.until_processed(still)
    [case] = await cases(harness)
    assert case.state is CaseState.OPEN
    assert case.detections == 1, "a re-run's failure is not a new detection"
    async with harness.engine.connect() as conn:
        full = await harness.deps.cases.get(conn, case.case_id)
    assert full is not None
    [run] = full.runs
    assert run.rerun_state == "failed"
    assert run.rerun_note is not None
    assert "1 record(s) still fail" in run.rerun_note
    assert run.quarantine_uri == "s3://warehouse/quarantine/jr-1.rerun.v1.2.jsonl"
    assert harness.published("DriftResolved") == []
