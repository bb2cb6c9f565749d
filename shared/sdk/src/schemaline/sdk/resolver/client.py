"""HTTP clients of `GET /api/v1/schema/fetch`, async and sync (httpx), sharing one response reading."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Self

import httpx

from schemaline.contracts import Fingerprint, Fqid, Selector
from schemaline.sdk.http import async_client, sync_client
from schemaline.sdk.resolver.errors import RegistryRequestError, SchemaFetchError, SchemaNotFoundError
from schemaline.sdk.resolver.model import ResolvedSchema

FETCH_PATH = "/api/v1/schema/fetch"


def _request(selector: Selector | str, etag: str | None) -> tuple[dict[str, str], dict[str, str]]:
    headers = {"If-None-Match": etag} if etag else {}
    return {"fqid": str(selector)}, headers


def _read(response: httpx.Response, selector: str) -> ResolvedSchema | None:
    """The resolved schema; None for 304 Not Modified."""
    status = response.status_code
    if status == 304:
        return None
    if status == 200:
        body = response.json()
        return ResolvedSchema(
            fqid=Fqid.parse(body["fqid"]),
            fingerprint=Fingerprint(body["fingerprint"]),
            schema=body["schema"],
            deprecated=bool(body["deprecated"]),
            etag=response.headers.get("ETag"),
        )
    if status == 404:
        raise SchemaNotFoundError(selector)
    if status >= 500:
        raise SchemaFetchError(selector, f"registry answered {status}")
    try:
        message = str(response.json().get("message", ""))
    except ValueError:
        message = response.text[:200]
    raise RegistryRequestError(selector, status, message)


class AsyncRegistryClient:
    """Fetches over one pooled async connection; `timeout_s` bounds the whole request."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        timeout_s: float = 2.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._timeout_s = timeout_s
        self._http = async_client(base_url, token=token, timeout_s=timeout_s, transport=transport)

    async def fetch(self, selector: Selector | str, etag: str | None = None) -> ResolvedSchema | None:
        params, headers = _request(selector, etag)
        try:
            async with asyncio.timeout(self._timeout_s):
                response = await self._http.get(FETCH_PATH, params=params, headers=headers)
        except (httpx.TransportError, TimeoutError) as exc:
            raise SchemaFetchError(str(selector), f"{type(exc).__name__}: {exc}") from exc
        return _read(response, str(selector))

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class SyncRegistryClient:
    """The same for Glue jobs and other synchronous code."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        timeout_s: float = 2.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = sync_client(base_url, token=token, timeout_s=timeout_s, transport=transport)

    def fetch(self, selector: Selector | str, etag: str | None = None) -> ResolvedSchema | None:
        params, headers = _request(selector, etag)
        try:
            response = self._http.get(FETCH_PATH, params=params, headers=headers)
        except httpx.TransportError as exc:
            raise SchemaFetchError(str(selector), f"{type(exc).__name__}: {exc}") from exc
        return _read(response, str(selector))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
