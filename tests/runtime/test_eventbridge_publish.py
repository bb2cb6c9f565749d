"""PutEvents chunking and the resend of failed entries, against a small fake EventBridge client."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from schemaline.contracts import decode, encode
from schemaline.runtime.bus import EventBridgeTransport, OutgoingMessage, build_transport
from schemaline.runtime.bus.eventbridge_publish import (
    MAX_ENTRIES,
    PutEventsError,
    ResendPolicy,
    chunk,
    put_events,
)
from schemaline.runtime.bus.eventbridge_wire import entry_size, from_sqs_body, to_entry
from schemaline.runtime.settings import BusSettings
from tests.runtime.bus_contract import landed

NO_WAIT = ResendPolicy(attempts=3, backoff_s=0)


class FakeEventsClient:
    """Accepts PutEvents calls; `fail(entry, attempt)` names the error code of entries it rejects."""

    def __init__(self, fail: Callable[[dict[str, Any], int], str | None] = lambda entry, attempt: None):
        self.fail = fail
        self.calls: list[list[dict[str, Any]]] = []
        self.accepted: list[dict[str, Any]] = []
        self._attempts: dict[str, int] = {}

    async def put_events(self, *, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        assert len(Entries) <= MAX_ENTRIES, "EventBridge refuses more than 10 entries per call"
        self.calls.append(list(Entries))
        results: list[dict[str, Any]] = []
        for entry in Entries:
            attempt = self._attempts[entry["Detail"]] = self._attempts.get(entry["Detail"], 0) + 1
            code = self.fail(entry, attempt)
            if code is None:
                self.accepted.append(entry)
                results.append({"EventId": f"eb-{len(self.accepted)}"})
            else:
                results.append({"ErrorCode": code, "ErrorMessage": f"{code} (fake)"})
        failed = sum("ErrorCode" in result for result in results)
        return {"FailedEntryCount": failed, "Entries": results}


def entries(count: int, *, detail_bytes: int = 10) -> list[dict[str, Any]]:
    return [
        {"Source": "s", "DetailType": "T", "Detail": json.dumps({"n": n, "pad": "x" * detail_bytes})}
        for n in range(count)
    ]


def test_chunks_hold_at_most_ten_entries_in_order() -> None:
    parts = chunk(entries(23))
    assert [len(part) for part in parts] == [10, 10, 3]
    assert [json.loads(e["Detail"])["n"] for part in parts for e in part] == list(range(23))


def test_chunks_respect_the_byte_limit() -> None:
    batch = entries(6, detail_bytes=300)
    size = entry_size(batch[0])
    parts = chunk(batch, max_bytes=size * 2 + 1)
    assert [len(part) for part in parts] == [2, 2, 2]
    assert all(sum(entry_size(e) for e in part) <= size * 2 + 1 for part in parts)


def test_an_entry_over_the_byte_limit_is_refused_before_sending() -> None:
    with pytest.raises(ValueError, match="object store"):
        chunk(entries(1, detail_bytes=2000), max_bytes=1000)


def test_entry_size_counts_what_eventbridge_counts() -> None:
    entry = {"Source": "ab", "DetailType": "cd", "Detail": '{"é":1}', "Resources": ["r1"], "Time": 0}
    assert entry_size(entry) == 14 + 2 + 2 + len('{"é":1}'.encode()) + 2


async def test_put_events_sends_every_chunk() -> None:
    client = FakeEventsClient()
    await put_events(client, entries(25), resend=NO_WAIT)
    assert [len(call) for call in client.calls] == [10, 10, 5]
    assert len(client.accepted) == 25


async def test_only_the_failed_entries_are_resent() -> None:
    throttled = {3, 7}
    client = FakeEventsClient(
        lambda entry, attempt: (
            "ThrottlingException" if json.loads(entry["Detail"])["n"] in throttled and attempt == 1 else None
        )
    )
    await put_events(client, entries(10), resend=NO_WAIT)
    assert len(client.calls) == 2
    assert [json.loads(e["Detail"])["n"] for e in client.calls[1]] == [3, 7]
    assert sorted(json.loads(e["Detail"])["n"] for e in client.accepted) == list(range(10))


async def test_entries_that_keep_failing_raise_after_the_bounded_resends() -> None:
    client = FakeEventsClient(
        lambda entry, attempt: "InternalFailure" if json.loads(entry["Detail"])["n"] == 4 else None
    )
    with pytest.raises(PutEventsError, match="InternalFailure") as raised:
        await put_events(client, entries(10), resend=NO_WAIT)
    assert len(client.calls) == NO_WAIT.attempts
    assert [json.loads(f.entry["Detail"])["n"] for f in raised.value.failures] == [4]
    assert len(client.accepted) == 9


async def test_a_permanent_entry_error_is_not_resent() -> None:
    client = FakeEventsClient(
        lambda entry, attempt: "MalformedDetail" if json.loads(entry["Detail"])["n"] == 0 else None
    )
    with pytest.raises(PutEventsError, match="MalformedDetail"):
        await put_events(client, entries(3), resend=NO_WAIT)
    assert len(client.calls) == 1


def test_resend_backoff_is_bounded() -> None:
    policy = ResendPolicy(attempts=10, backoff_s=0.1, max_backoff_s=1.0)
    assert [policy.delay(n) for n in (1, 2, 3, 4, 5, 9)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]


def test_an_event_survives_the_trip_through_eventbridge_and_sqs() -> None:
    sent = landed(9)
    entry = to_entry(OutgoingMessage("BatchLanded", encode(sent), sent.id), "bus")
    assert entry["Source"] == sent.source
    assert entry["DetailType"] == "BatchLanded"
    # What an SQS target receives: a new id from EventBridge, and (on moto) no `account`.
    delivered = {
        "version": "0",
        "id": "eventbridge-assigned",
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "time": entry["Time"].isoformat(),
        "region": "eu-west-1",
        "resources": entry.get("Resources", []),
        "detail": json.loads(entry["Detail"]),
    }
    body, routing_key = from_sqs_body(json.dumps(delivered), account="123456789012")
    received = decode(body)
    assert routing_key == "BatchLanded"
    assert received.id == sent.id
    assert received.account == "123456789012"
    assert received.detail == sent.detail


def test_bytes_that_are_not_an_event_travel_unchanged() -> None:
    raw = b"{not json"
    entry = to_entry(OutgoingMessage("BatchLanded", raw, "m-1"), "bus")
    delivered = {"id": "x", "detail-type": "BatchLanded", "detail": json.loads(entry["Detail"])}
    assert from_sqs_body(json.dumps(delivered), account="1") == (raw, "BatchLanded")


def test_settings_build_the_eventbridge_transport() -> None:
    settings = BusSettings(
        transport="eventbridge",
        event_bus="prod-events",
        aws_region="eu-central-1",
        queue_prefix="schemaline",
        wait_time_s=5,
    )
    transport = build_transport(settings)
    assert isinstance(transport, EventBridgeTransport)
    assert transport.destination == "prod-events"
    assert transport.system == "aws_sqs"
    assert transport.queue_name("validator") == "schemaline-validator"
    assert transport.dlq_name("validator") == "schemaline-validator-dlq"
