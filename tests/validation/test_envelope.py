"""Envelope validation of the extractor's event metadata."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from schemaline.contracts import PipeCode, PipeError, Selector
from schemaline.sdk.validation import validate_envelope

NOW = datetime(2025, 10, 7, 12, 0, tzinfo=UTC)


def envelope(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event_id": "evt-1",
        "source": "erp.invoices",
        "schema_fqid": "finance.extractor.invoice:v1.2",
        "event_time": "2025-10-07T11:59:00Z",
        "ingested_at": "2025-10-07T11:59:30+00:00",
        "run_id": "jr-1",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def rules(result: Any) -> set[tuple[str, str]]:
    return {(error.pointer, error.rule) for error in result.errors}


def test_a_good_envelope_is_valid_and_yields_its_fqid() -> None:
    result = validate_envelope(envelope(), declared=Selector.parse("finance.extractor.invoice:^1"), now=NOW)
    assert result.valid
    assert str(result.fqid) == "finance.extractor.invoice:v1.2"
    result.raise_for_errors()


def test_every_envelope_error_is_reported() -> None:
    result = validate_envelope(
        envelope(event_id=None, source="", schema_fqid="invoice:1", event_time="yesterday"), now=NOW
    )
    assert rules(result) == {
        ("/event_id", "required"),
        ("/source", "minLength"),
        ("/schema_fqid", "pattern"),
        ("/event_time", "format"),
    }


@pytest.mark.parametrize(
    ("changes", "declared", "expected"),
    [
        ({}, "finance.extractor.invoice:^2", ("/schema_fqid", "declared_fqid")),
        ({}, "finance.extractor.payment:latest", ("/schema_fqid", "declared_fqid")),
        ({"event_time": "2025-10-07T13:00:00Z", "ingested_at": None}, None, ("/event_time", "time_future")),
        ({"ingested_at": "2025-10-07T11:00:00Z"}, None, ("/ingested_at", "time_order")),
    ],
)
def test_fqid_and_time_rules(
    changes: dict[str, Any], declared: str | None, expected: tuple[str, str]
) -> None:
    selector = Selector.parse(declared) if declared else None
    result = validate_envelope(envelope(**changes), declared=selector, now=NOW)
    assert rules(result) == {expected}


def test_an_invalid_envelope_raises_pipe_1002_with_the_pointer() -> None:
    result = validate_envelope(envelope(source=5), now=NOW)
    with pytest.raises(PipeError) as caught:
        result.raise_for_errors()
    assert caught.value.code is PipeCode.VALIDATION_FAILED
    assert caught.value.pointer == "/source"
