"""The extractor Lambda: envelope and payload checked in-process, the batch landed, one event out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from schemaline.contracts import BatchLanded, PipeCode, PipelineFailed
from schemaline.pipelines.extractor import context
from schemaline.pipelines.extractor.handler import handler
from schemaline.pipelines.extractor.settings import ExtractorSettings
from schemaline.pipelines.ports import ChunkReader
from schemaline.pipelines.source import example_a, example_b, extractor_event
from schemaline.pipelines.wiring import DEPS_ENV, WiringError
from tests.pipelines.conftest import Parts, make_parts
from tests.support.layout import folder_of

SETTINGS = ExtractorSettings(landing_path="s3://warehouse/landing/invoice/")


@pytest.fixture
def lambda_parts(tmp_path: Path) -> Iterator[Parts]:
    """The Lambda's context with injected parts; the handler is sync, so these tests are too."""
    parts = make_parts(tmp_path / "objects")
    context.configure(parts.deps, SETTINGS)
    yield parts
    context.reset()


class BrokenStore:
    async def get_bytes(self, uri: str) -> bytes:
        raise OSError("disk on fire")

    async def put_bytes(self, uri: str, data: bytes) -> object:
        raise OSError("disk on fire")

    async def open(self, uri: str) -> ChunkReader:
        raise OSError("disk on fire")

    async def put_stream(self, uri: str, chunks: AsyncIterable[bytes] | Iterable[bytes]) -> object:
        raise OSError("disk on fire")


def stored(parts: Parts) -> list[str]:
    async def listing() -> list[str]:
        return [info.uri async for info in parts.store.list("s3://warehouse/")]

    return asyncio.run(listing())


def _one(parts: Parts) -> Any:
    events = parts.events()
    assert len(events) == 1, events
    return events[0]


def test_happy_path_lands_the_batch_and_emits_batch_landed(lambda_parts: Parts) -> None:
    records = example_b(10)
    answer = handler(extractor_event(records, run_id="lr-test-1"), None)

    assert answer["status"] == "landed"
    assert answer["run_id"] == "lr-test-1"
    event = _one(lambda_parts)
    assert answer["object_uri"] == f"s3://warehouse/landing/invoice/{folder_of(event)}/part-00000.jsonl"
    assert answer["record_count"] == 10
    event = _one(lambda_parts)
    assert event.id == answer["event_id"]
    assert event.detail_type == BatchLanded.DETAIL_TYPE
    assert event.resources == (answer["object_uri"],)
    detail = event.detail
    assert str(detail.declared_fqid) == "finance.extractor.invoice:v1.0"
    assert str(detail.writer_fqid) == "finance.extractor.invoice:v1.0"
    assert (detail.layer.value, detail.pipeline_id, detail.record_count) == (
        "extractor",
        "finance_invoice_extractor",
        10,
    )
    landed = asyncio.run(lambda_parts.store.get_bytes(answer["object_uri"]))
    assert [orjson.loads(line) for line in landed.splitlines()] == records


def test_a_run_id_is_made_when_the_envelope_has_none(lambda_parts: Parts) -> None:
    first = handler(extractor_event(example_a(2)), None)
    second = handler(extractor_event(example_a(2)), None)
    assert first["run_id"].startswith("lr-")
    assert first["run_id"] != second["run_id"]


def test_an_invalid_envelope_is_pipe_1002_naming_the_pointer_and_lands_nothing(lambda_parts: Parts) -> None:
    event = extractor_event(example_a(3), schema_fqid="finance.extractor.invoice:v2.0")
    answer = handler(event, None)

    assert answer["status"] == "failed"
    assert answer["code"] == PipeCode.VALIDATION_FAILED.value
    failed = _one(lambda_parts).detail
    assert isinstance(failed, PipelineFailed)
    assert failed.code is PipeCode.VALIDATION_FAILED
    assert [v.pointer for v in failed.violations] == ["/envelope/schema_fqid"]
    assert stored(lambda_parts) == []


def test_records_breaking_a_value_rule_fail_the_invocation_with_pointers(lambda_parts: Parts) -> None:
    records = example_a(4)
    records[1]["invoice_id"] = ""
    records[3]["currency"] = "EURO"
    answer = handler(extractor_event(records), None)

    assert answer["code"] == "PIPE-1002"
    failed = _one(lambda_parts).detail
    assert {(v.pointer, v.rule) for v in failed.violations} == {
        ("/records/1/invoice_id", "minLength"),
        ("/records/3/currency", "maxLength"),
    }
    assert stored(lambda_parts) == []


def test_drifted_records_land_for_the_validator_to_quarantine(lambda_parts: Parts) -> None:
    """Shape drift (a missing field, a changed type) is the validator's to quarantine, not a failure."""
    records = example_a(4)
    del records[3]["invoice_id"]
    answer = handler(extractor_event(records), None)

    assert answer["status"] == "landed"
    assert answer["record_count"] == 4


def test_an_event_without_records_is_pipe_1002(lambda_parts: Parts) -> None:
    answer = handler({"envelope": extractor_event([])["envelope"]}, None)
    assert answer["code"] == "PIPE-1002"
    assert _one(lambda_parts).detail.violations[0].pointer == "/records"


def test_any_exception_becomes_pipelinefailed_pipe_1301(tmp_path: Path) -> None:
    parts = make_parts(tmp_path)
    parts.deps.objects = BrokenStore()
    context.configure(parts.deps, SETTINGS)
    try:
        answer = handler(extractor_event(example_a(2), run_id="lr-broken"), None)
    finally:
        context.reset()

    assert answer["status"] == "failed"
    assert answer["code"] == "PIPE-1301"
    failed = _one(parts).detail
    assert (failed.code, failed.run_id, failed.component) == (
        PipeCode.LAMBDA_INVOCATION_ERROR,
        "lr-broken",
        "lambda:extractor",
    )
    assert "disk on fire" in failed.message


def test_an_unreachable_registry_keeps_its_pipe_1001(lambda_parts: Parts) -> None:
    from schemaline.contracts import PipeError

    class Down:
        async def resolve(self, selector: object) -> Any:
            raise PipeError(PipeCode.SCHEMA_FETCH_TIMEOUT, "registry did not answer in 2 s")

    class DownSource:
        def pin(self) -> Down:
            return Down()

    lambda_parts.deps.schemas = DownSource()
    answer = handler(extractor_event(example_a(1)), None)
    assert answer["code"] == "PIPE-1001"


def test_parts_come_from_the_environment_when_not_injected(monkeypatch: pytest.MonkeyPatch) -> None:
    context.reset()
    monkeypatch.setenv(DEPS_ENV, "")
    with pytest.raises(WiringError, match=DEPS_ENV):
        handler(extractor_event(example_a(1)), None)
    context.reset()
