"""What no request may take: a body beyond the limit (413), more than its token's share (429)."""

from __future__ import annotations

import json
import math
import time
from collections import OrderedDict
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024


class BodyTooLargeError(HTTPException):
    """Raised while the body is read: FastAPI lets an HTTPException through, so it answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over {limit} bytes")


class BodyLimit:
    """Answers 413 before reading a body whose Content-Length is over the limit, or once a body sent
    without one (chunked) passes it; the limit is `app.state.max_body_bytes`, read per request."""

    def __init__(self, app: ASGIApp, default: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = getattr(scope.get("app"), "state", None)
        limit: int = getattr(state, "max_body_bytes", self.default)
        declared = dict(scope.get("headers", ())).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLargeError:
            if not started:
                await _too_large(send, limit)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {"status": 413, "code": None, "message": f"request body over {limit} bytes", "operator_action": None}
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RateLimiter:
    """A token bucket per caller: `rate_per_s` sustained, `burst` at once; callers beyond
    `max_callers` forget the least recently seen, so memory stays bounded."""

    def __init__(self, rate_per_s: float, burst: int, *, max_callers: int = 10_000) -> None:
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._max_callers = max_callers
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, caller: str, now: float | None = None) -> float | None:
        """Spend one request of `caller`'s; None when allowed, else the seconds until one is."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(caller, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate_per_s)
        allowed = tokens >= 1
        self._buckets[caller] = (tokens - 1 if allowed else tokens, now)
        while len(self._buckets) > self._max_callers:
            self._buckets.popitem(last=False)
        return None if allowed else (1 - tokens) / self.rate_per_s


def retry_after(seconds: float) -> dict[str, Any]:
    return {"Retry-After": str(max(1, math.ceil(seconds)))}
