"""POST RunEvents to a Marquez-compatible `/api/v1/lineage` endpoint."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx


class MarquezError(Exception):
    """The endpoint refused an event (its status and body say why)."""


async def post_events(
    endpoint: str,
    events: Iterable[dict[str, Any]],
    *,
    timeout_s: float = 5.0,
    client: httpx.AsyncClient | None = None,
) -> int:
    """POST each event in order (one event per request); returns how many were accepted."""
    url = endpoint.rstrip("/") + "/api/v1/lineage"
    owned = client is None
    http = client or httpx.AsyncClient(timeout=timeout_s)
    sent = 0
    try:
        for event in events:
            response = await http.post(url, json=event)
            if response.status_code >= 300:
                raise MarquezError(f"{url} answered {response.status_code}: {response.text[:500]}")
            sent += 1
    finally:
        if owned:
            await http.aclose()
    return sent
