from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from schemaline.contracts import (
    CATALOG,
    EVENT_MODELS,
    BatchLanded,
    EventDecodeError,
    Fingerprint,
    Fqid,
    Layer,
    PipeCode,
    PipeError,
    PipelineFailed,
    PipelineId,
    ProposalId,
    RunId,
    SchemaContract,
    SchemaProposed,
    SchemaPublished,
    Selector,
    Subject,
    decode,
    encode,
    new_envelope,
)


def landed(**overrides: object) -> BatchLanded:
    fields: dict[str, object] = {
        "pipeline_id": "finance_gdp_transform",
        "run_id": "jr-2a8bc9a1b1",
        "layer": "gdp",
        "declared_fqid": "finance.gdp.invoice:v1.1",
        "object_uri": "s3://warehouse/gdp/invoice/2025/10/07/part-0.jsonl",
    }
    fields.update(overrides)
    return BatchLanded.model_validate(fields)


def test_envelope_round_trips_with_eventbridge_names() -> None:
    envelope = new_envelope(landed(), source="extractor")
    wire = envelope.to_wire()
    assert wire["detail-type"] == "BatchLanded"
    assert wire["source"] == "schemaline.extractor"
    assert set(wire) >= {"version", "id", "detail-type", "source", "account", "time", "region"}
    assert wire["detail"]["meta"]["correlation_id"] == "jr-2a8bc9a1b1"
    back = decode(encode(envelope))
    assert back == envelope
    assert isinstance(back.detail, BatchLanded)
    assert back.detail.declared_fqid == Selector.parse("finance.gdp.invoice:v1.1")


def test_causation_and_correlation_follow_the_cause() -> None:
    cause = new_envelope(landed(), source="extractor")
    failed = PipelineFailed(
        pipeline_id=PipelineId("finance_gdp_transform"),
        code=PipeCode.VALIDATION_FAILED,
        message="3 records broke the schema",
        component="validator",
    )
    effect = new_envelope(failed, source="validator", cause=cause)
    assert effect.detail.meta.causation_id == cause.id
    assert effect.detail.meta.correlation_id == "jr-2a8bc9a1b1"


def test_replay_name_is_kept() -> None:
    envelope = new_envelope(landed(), source="extractor")
    wire = envelope.to_wire() | {"replay-name": "incident-42"}
    import json

    assert decode(json.dumps(wire)).replay_name == "incident-42"


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"detail": {}}', "detail-type"),
        (b'{"detail-type": "Nope", "source": "x", "detail": {}}', "unknown detail-type 'Nope'"),
    ],
)
def test_malformed_messages_are_refused(payload: bytes, needle: str) -> None:
    with pytest.raises(EventDecodeError, match=needle):
        decode(payload)


def test_an_invalid_field_names_where() -> None:
    wire = new_envelope(landed(), source="extractor").to_wire()
    wire["detail"]["declared_fqid"] = "finance.gdp.invoice:v1.2.3"
    import json

    with pytest.raises(EventDecodeError, match="/detail/declared_fqid"):
        decode(json.dumps(wire))


def test_events_are_frozen_and_strict() -> None:
    event = landed()
    with pytest.raises(ValidationError):
        event.run_id = RunId("other")  # type: ignore[misc]
    with pytest.raises(ValidationError, match="extra"):
        landed(surprise=1)


def test_every_event_documents_every_field() -> None:
    for model in EVENT_MODELS:
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"


def test_pipe_catalog_covers_every_code_and_errors_carry_it() -> None:
    assert set(CATALOG) == set(PipeCode)
    error = PipeError(PipeCode.VALIDATION_FAILED, "amount below minimum", pointer="/amount")
    assert str(error).startswith("PIPE-1002 Validation failed at /amount")
    assert "Inspect envelope/payload errors" in str(error)
    assert error.log_fields()["pipe_code"] == "PIPE-1002"


def test_contract_layer_must_match_its_schema() -> None:
    fields = {
        "pipeline_id": "finance_kpi_aggregate",
        "layer": "kpi",
        "component": "glue",
        "schema_selector": "finance.kpi.invoice_daily:^1",
        "integration_mode": "build_time_publish",
        "validation_timing": "metric_conformance",
    }
    contract = SchemaContract.model_validate(fields)
    assert contract.policy.max_invalid_ratio == 0.0
    assert contract.layer is Layer.KPI
    with pytest.raises(ValidationError, match="belongs to layer 'gdp'"):
        SchemaContract.model_validate(fields | {"schema_selector": "finance.gdp.invoice:v1.0"})


def test_published_event() -> None:
    event = SchemaPublished(
        fqid=Fqid.parse("finance.gdp.invoice:v1.2"),
        fingerprint="sha256:ab",  # type: ignore[arg-type]
        published_at=datetime(2025, 10, 7, tzinfo=UTC),
    )
    assert decode(encode(new_envelope(event, source="registry"))).detail == event


def test_every_event_survives_the_wire_with_its_optional_fields_empty() -> None:
    envelope = new_envelope(landed(declared_fqid=None), source="extractor")
    assert decode(encode(envelope)) == envelope
    assert envelope.detail.declared_fqid is None


def test_required_nullable_fields_survive_the_wire() -> None:
    event = SchemaProposed(
        proposal_id=ProposalId("p-1"),
        subject=Subject.parse("finance.gdp.invoice"),
        proposed_fqid=Fqid.parse("finance.gdp.invoice:v1.0"),
        base_fqid=None,
        fingerprint=Fingerprint("sha256:ab"),
        compatible=True,
        level="BACKWARD",
        policy="strict",
        proposed_by="publisher",
    )
    assert decode(encode(new_envelope(event, source="registry"))).detail == event
