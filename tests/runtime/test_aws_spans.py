"""Every AWS call made inside a span is a CLIENT span `Service.Operation` of that span (AWS SDK
conventions), from any client of `aws_session()`: the object store's and the EventBridge bus's."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import EndpointConnectionError  # type: ignore[import-untyped]
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from schemaline.runtime.bus import EventBus, build_transport
from schemaline.runtime.objectstore import ObjectNotFound, S3ObjectStore
from schemaline.runtime.settings import BusSettings
from schemaline.runtime.telemetry import get_tracer
from tests.runtime.bus_contract import landed
from tests.support.tracing import recorded_spans

pytestmark = pytest.mark.moto


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    with recorded_spans() as exporter:
        yield exporter


@pytest.fixture
async def store(moto_endpoint: str) -> AsyncIterator[S3ObjectStore]:
    async with S3ObjectStore.connect(endpoint_url=moto_endpoint) as store:
        yield store


def _calls_under(name: str, spans: tuple[ReadableSpan, ...]) -> list[ReadableSpan]:
    [parent] = [s for s in spans if s.name == name]
    assert parent.context is not None
    return [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]


async def test_object_store_calls_are_client_spans_of_the_caller(
    exporter: InMemorySpanExporter, store: S3ObjectStore
) -> None:
    bucket = f"b-{uuid.uuid4().hex[:12]}"
    await store.ensure_bucket(bucket)
    exporter.clear()
    with get_tracer().start_as_current_span("process BatchLanded"):
        await store.put_bytes(f"s3://{bucket}/raw/part-0.jsonl", b"{}\n")
        assert await store.get_bytes(f"s3://{bucket}/raw/part-0.jsonl") == b"{}\n"
        assert [info.uri async for info in store.list(f"s3://{bucket}/raw/")]
    spans = exporter.get_finished_spans()
    calls = _calls_under("process BatchLanded", spans)
    assert [s.name for s in calls] == ["S3.PutObject", "S3.GetObject", "S3.ListObjectsV2"]
    assert len(calls) == len(spans) - 1, "every call is the caller's child"
    for span, method in zip(calls, ["PutObject", "GetObject", "ListObjectsV2"], strict=True):
        assert span.kind is SpanKind.CLIENT
        assert span.status.status_code is StatusCode.UNSET
        assert dict(span.attributes or {}) == {
            "rpc.system": "aws-api",
            "rpc.service": "S3",
            "rpc.method": method,
            "cloud.region": "eu-west-1",
            "aws.s3.bucket": bucket,
            "http.response.status_code": 200,
            "aws.request_id": (span.attributes or {})["aws.request_id"],
        }


async def test_a_missing_object_is_an_error_span(
    exporter: InMemorySpanExporter, store: S3ObjectStore
) -> None:
    bucket = f"b-{uuid.uuid4().hex[:12]}"
    await store.ensure_bucket(bucket)
    exporter.clear()
    with get_tracer().start_as_current_span("handler"), pytest.raises(ObjectNotFound):
        await store.get_bytes(f"s3://{bucket}/nothing-here")
    [call] = _calls_under("handler", exporter.get_finished_spans())
    assert call.name == "S3.GetObject"
    assert call.status.status_code is StatusCode.ERROR
    assert call.status.description is not None
    assert call.status.description.startswith("NoSuchKey")
    attributes = dict(call.attributes or {})
    assert attributes["error.type"] == "NoSuchKey"
    assert attributes["http.response.status_code"] == 404


async def test_calls_outside_any_span_make_none(exporter: InMemorySpanExporter, store: S3ObjectStore) -> None:
    """A consumer's long poll runs outside any trace: a root trace per poll would bury the runs'."""
    await store.ensure_bucket(f"b-{uuid.uuid4().hex[:12]}")
    assert exporter.get_finished_spans() == ()


async def test_an_unreachable_endpoint_is_an_error_span(exporter: InMemorySpanExporter) -> None:
    """Nothing listens on port 9: the request never gets a response."""
    no_retries = Config(retries={"max_attempts": 1}, connect_timeout=1)
    async with S3ObjectStore.connect(endpoint_url="http://127.0.0.1:9", config=no_retries) as store:
        with get_tracer().start_as_current_span("handler"), pytest.raises(EndpointConnectionError):
            await store.exists("s3://bucket/key")
    [call] = _calls_under("handler", exporter.get_finished_spans())
    assert call.name == "S3.HeadObject"
    assert call.status.status_code is StatusCode.ERROR
    assert dict(call.attributes or {})["error.type"] == "EndpointConnectionError"


async def test_eventbridge_puts_are_client_spans_of_the_publisher(
    exporter: InMemorySpanExporter, moto_endpoint: str
) -> None:
    tag = uuid.uuid4().hex[:10]
    settings = BusSettings(
        transport="eventbridge",
        event_bus=f"test-{tag}-events",
        queue_prefix=f"test-{tag}",
        aws_endpoint_url=moto_endpoint,
    )
    bus = EventBus(build_transport(settings), tracer=get_tracer())
    await bus.connect()
    try:
        exporter.clear()
        with get_tracer().start_as_current_span("run"):
            await bus.publish(landed(1))
    finally:
        await bus.close()
    calls = _calls_under("run", exporter.get_finished_spans())
    assert sorted(s.name for s in calls) == ["EventBridge.PutEvents", "publish BatchLanded"]
    [put] = [s for s in calls if s.name == "EventBridge.PutEvents"]
    assert dict(put.attributes or {})["rpc.service"] == "EventBridge"
    assert "aws.s3.bucket" not in dict(put.attributes or {})
