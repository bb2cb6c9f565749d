"""One authenticated JSON client for every operator API, and the errors its answers become."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

import httpx

from schemaline.sdk.http import async_client

API = "/api/v1"


class ServiceError(Exception):
    """The service answered with an error: its status, PIPE code (if any) and message."""

    def __init__(self, service: str, status: int, message: str, code: str | None = None) -> None:
        self.service = service
        self.status = status
        self.code = code
        self.message = message
        tag = f" [{code}]" if code else ""
        super().__init__(f"{service} answered {status}: {message}{tag}")


class ServiceUnreachableError(Exception):
    """The service could not be reached at all (connection refused, DNS, timeout)."""

    def __init__(self, service: str, url: str, reason: str) -> None:
        self.service = service
        self.url = url
        super().__init__(f"{service} unreachable at {url}: {reason}")


class ServiceClient:
    """Bearer-token JSON calls to one service's /api/v1; `transport` serves an in-process app."""

    service = "service"

    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        timeout_s: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url
        self._http = async_client(base_url, token=token, timeout_s=timeout_s, transport=transport)

    async def call(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        try:
            response = await self._http.request(method, API + path, json=json, params=params)
        except httpx.TransportError as exc:
            raise ServiceUnreachableError(
                self.service, self.base_url, str(exc) or type(exc).__name__
            ) from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            error = body if isinstance(body, dict) else {}
            message = str(error.get("message") or response.text[:200] or response.reason_phrase)
            raise ServiceError(self.service, response.status_code, message, error.get("code"))
        if body is None:
            raise ServiceError(self.service, response.status_code, "the answer is not JSON")
        return body

    async def whoami(self) -> dict[str, Any]:
        """The token's principal as the service sees it: `name` and `role`."""
        result: dict[str, Any] = await self.call("GET", "/whoami")
        return result

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
