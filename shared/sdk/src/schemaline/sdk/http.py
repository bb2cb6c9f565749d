"""The SDK's HTTP clients, made one way: bearer token, timeout, and W3C trace context on every request.

Each request carries the caller's `traceparent` (and `tracestate`), so a registry fetch or an
operator API call inside a run's span belongs to that run's trace; the services' HTTP apps continue
it (`schemaline.runtime.http.tracing`).
"""

from __future__ import annotations

import httpx
from opentelemetry.propagate import inject


def _inject(request: httpx.Request) -> None:
    carrier: dict[str, str] = {}
    inject(carrier)
    request.headers.update(carrier)


async def _ainject(request: httpx.Request) -> None:
    _inject(request)


def async_client(
    base_url: str, *, token: str, timeout_s: float, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=httpx.Timeout(timeout_s),
        transport=transport,
        event_hooks={"request": [_ainject]},
    )


def sync_client(
    base_url: str, *, token: str, timeout_s: float, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    return httpx.Client(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=httpx.Timeout(timeout_s),
        transport=transport,
        event_hooks={"request": [_inject]},
    )
