"""Runtime compatibility enforcement: the reader must read what the writer wrote (BACKWARD)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from schemaline.contracts import Fqid, PipeCode, PipeError
from schemaline.sdk.validation import IncompatibleSchemaError, check_reader_writer

WRITER: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id"],
    "properties": {"id": {"type": "string"}, "amount": {"type": "number"}},
}


def reader(change: Any) -> dict[str, Any]:
    schema = copy.deepcopy(WRITER)
    change(schema)
    return schema


@pytest.mark.parametrize(
    "change",
    [
        lambda s: None,
        lambda s: s["properties"].update(note={"type": "string"}),  # optional field added
        lambda s: s["properties"]["id"].update(type=["string", "integer"]),  # type widened
    ],
)
def test_a_reader_that_can_read_the_writers_data_passes(change: Any) -> None:
    assert check_reader_writer(reader(change), WRITER).compatible


@pytest.mark.parametrize(
    ("change", "change_type"),
    [
        (
            lambda s: (s["properties"].update(currency={"type": "string"}), s["required"].append("currency")),
            "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
        ),
        (lambda s: s["properties"]["amount"].update(type="integer"), None),  # type narrowed
        (lambda s: s["properties"].pop("amount"), None),  # closed model drops a written field
    ],
)
def test_an_incompatible_reader_blocks_with_pipe_1103(change: Any, change_type: str | None) -> None:
    with pytest.raises(IncompatibleSchemaError) as caught:
        check_reader_writer(
            reader(change),
            WRITER,
            reader_fqid=Fqid.parse("finance.gdp.invoice:v2.0"),
            writer_fqid=Fqid.parse("finance.gdp.invoice:v1.3"),
        )
    error = caught.value
    assert isinstance(error, PipeError)
    assert error.code is PipeCode.INCOMPATIBLE_SCHEMA
    assert "finance.gdp.invoice:v2.0 cannot read data written under finance.gdp.invoice:v1.3" in str(error)
    assert error.changes
    assert all(not summary.compatible for summary in error.changes)
    if change_type is not None:
        assert change_type in {summary.type for summary in error.changes}
