"""Schemaline events as EventBridge PutEvents entries, and SQS bodies back into Schemaline events.

EventBridge gives every entry a new `id`, and a PutEvents entry has no `replay-name`, so the
envelope's own id (the one consumers dedupe on) and its replay name ride in `detail.meta` (the
contract's `EventMeta.event_id` and `EventMeta.replay_name`) and are put back on delivery: the
envelope a consumer decodes is the one that was published. Bytes that are not an event of the
routing key's detail-type travel base64-encoded in an opaque detail, so the transport still only
moves bytes: the consumer loop, not the transport, decides what is malformed.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from schemaline.runtime.bus.transport import OutgoingMessage

EVENT_ID_KEY = "event_id"  # EventMeta.event_id
REPLAY_KEY = "replay_name"  # EventMeta.replay_name
OPAQUE_KEY = "schemaline-opaque"
OPAQUE_SOURCE = "schemaline.transport.opaque"
TIME_SIZE = 14  # what EventBridge counts for an entry's Time, whatever its form


def _event_of(body: bytes, routing_key: str) -> dict[str, Any] | None:
    """The body as an EventBridge event of `routing_key`'s detail-type, or None."""
    try:
        event = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    if not isinstance(event, dict) or event.get("detail-type") != routing_key:
        return None
    detail = event.get("detail")
    if not isinstance(event.get("source"), str) or not event["source"] or not isinstance(detail, dict):
        return None
    if not isinstance(detail.get("meta", {}), dict):
        return None
    return event


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def to_entry(message: OutgoingMessage, bus_name: str) -> dict[str, Any]:
    """The PutEvents entry that carries this message on the bus."""
    event = _event_of(message.body, message.routing_key)
    if event is None:
        opaque = {OPAQUE_KEY: base64.b64encode(message.body).decode("ascii")}
        return {
            "EventBusName": bus_name,
            "Source": OPAQUE_SOURCE,
            "DetailType": message.routing_key,
            "Detail": json.dumps(opaque),
        }
    detail = dict(event["detail"])
    carried = {EVENT_ID_KEY: str(event.get("id") or message.message_id)}
    if isinstance(event.get("replay-name"), str):
        carried[REPLAY_KEY] = event["replay-name"]
    detail["meta"] = {**detail.get("meta", {}), **carried}
    entry: dict[str, Any] = {
        "EventBusName": bus_name,
        "Source": event["source"],
        "DetailType": message.routing_key,
        "Detail": json.dumps(detail, separators=(",", ":"), ensure_ascii=False),
    }
    resources = event.get("resources")
    if isinstance(resources, list) and resources and all(isinstance(r, str) for r in resources):
        entry["Resources"] = resources
    time = _parse_time(event.get("time"))
    if time is not None:
        entry["Time"] = time
    trace_header = xray_trace_header(message.headers.get("traceparent"))
    if trace_header is not None:
        entry["TraceHeader"] = trace_header
    return entry


def xray_trace_header(traceparent: str | None) -> str | None:
    """A W3C `traceparent` as the X-Ray trace header PutEvents takes (`TraceHeader`), or None."""
    parts = (traceparent or "").split("-")
    if len(parts) != 4 or len(parts[1]) != 32 or len(parts[2]) != 16 or len(parts[3]) != 2:
        return None
    _version, trace_id, parent, flags = parts
    sampled = int(flags, 16) & 1 if all(c in "0123456789abcdef" for c in flags) else 0
    return f"Root=1-{trace_id[:8]}-{trace_id[8:]};Parent={parent};Sampled={sampled}"


def entry_size(entry: dict[str, Any]) -> int:
    """The size EventBridge counts against its limits (its documented PutEvents entry size)."""
    size = TIME_SIZE if "Time" in entry else 0
    for key in ("Source", "DetailType", "Detail"):
        size += len(str(entry.get(key, "")).encode())
    return size + sum(len(resource.encode()) for resource in entry.get("Resources", ()))


def from_sqs_body(body: str, *, account: str) -> tuple[bytes, str]:
    """The event bytes and routing key of an EventBridge event delivered to an SQS queue."""
    try:
        event = json.loads(body)
    except (json.JSONDecodeError, RecursionError):
        return body.encode(), ""
    if not isinstance(event, dict):
        return body.encode(), ""
    routing_key = str(event.get("detail-type", ""))
    detail = event.get("detail")
    if isinstance(detail, dict) and isinstance(detail.get(OPAQUE_KEY), str):
        try:
            return base64.b64decode(detail[OPAQUE_KEY], validate=True), routing_key
        except (binascii.Error, ValueError):
            return body.encode(), routing_key
    if isinstance(detail, dict) and isinstance(detail.get("meta"), dict):
        meta = dict(detail["meta"])
        event_id = meta.pop(EVENT_ID_KEY, None)
        if isinstance(event_id, str):
            event["id"] = event_id
        replay_name = meta.pop(REPLAY_KEY, None)
        # An EventBridge archive replay sets its own replay-name at the top: that one wins.
        if isinstance(replay_name, str) and not event.get("replay-name"):
            event["replay-name"] = replay_name
        event["detail"] = {**detail, "meta": meta}
    # The SQS body may leave `account` out (moto does); the envelope is whole again with it.
    event.setdefault("account", account)
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode(), routing_key
