"""Send RunEvents to an OpenLineage HTTP endpoint (Marquez or any other) with openlineage-python.

Its HTTP transport brings what a hand-written client lacked: retries with backoff on 5xx and
connection errors, an API key sent as a bearer token, a timeout per request. The client is
synchronous (requests), so async callers run it in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import requests
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import RunEvent
from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport, TokenProvider

ENDPOINT = "api/v1/lineage"  # the OpenLineage HTTP API path, as Marquez serves it


class LineageEmitError(Exception):
    """The endpoint refused an event, or could not be reached after the transport's retries."""


def http_client(url: str, *, timeout_s: float = 5.0, api_key: str | None = None) -> OpenLineageClient:
    """A client whose HTTP transport POSTs each event to `{url}/api/v1/lineage`."""
    auth = ApiKeyTokenProvider({"apiKey": api_key}) if api_key else TokenProvider({})
    config = HttpConfig(url=url.rstrip("/") + "/", endpoint=ENDPOINT, timeout=timeout_s, auth=auth)
    return OpenLineageClient(transport=HttpTransport(config))


def _emit_all(client: OpenLineageClient, events: Sequence[RunEvent]) -> int:
    sent = 0
    for event in events:
        try:
            client.emit(event)
        except requests.RequestException as exc:
            raise LineageEmitError(f"event {sent + 1} of {len(events)} not accepted: {exc}") from None
        sent += 1
    return sent


async def emit_events(client: OpenLineageClient, events: Sequence[RunEvent]) -> int:
    """Emit each event in order; returns how many were accepted."""
    return await asyncio.to_thread(_emit_all, client, events)


def emit_documents(client: OpenLineageClient, documents: Sequence[Mapping[str, Any]]) -> int:
    """Send RunEvents already serialised (what the lineage API exports) through the client's
    transport, in order; returns how many were accepted. The transport only needs their JSON."""
    sent = 0
    for document in documents:
        try:
            client.transport.emit(document)  # type: ignore[arg-type]  # serialised by Serde like an event
        except requests.RequestException as exc:
            raise LineageEmitError(f"event {sent + 1} of {len(documents)} not accepted: {exc}") from None
        sent += 1
    return sent
