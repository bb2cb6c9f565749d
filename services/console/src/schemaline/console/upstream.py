"""The services' APIs as the console reaches them: typed clients carrying the operator's own token.

The console holds no token of its own and decides nothing: every call goes out with the token of
the operator who asked, and the service checks its role. Clients are made per request, over one
shared connection pool (or the embedded stack's in-process transport).
"""

from __future__ import annotations

import httpx

from schemaline.console.settings import ApiUrls
from schemaline.sdk.operators import DriftClient, GovernanceClient, LineageClient
from schemaline.sdk.registry_api import RegistryApi
from schemaline.sdk.resolver import AsyncRegistryClient


class _Borrowed(httpx.AsyncBaseTransport):
    """The shared transport, lent to a per-request client: closing the client leaves the pool open."""

    def __init__(self, shared: httpx.AsyncBaseTransport) -> None:
        self._shared = shared

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._shared.handle_async_request(request)

    async def aclose(self) -> None:
        return None


class Upstreams:
    """Client factories for the registry, drift detector, governance and lineage APIs."""

    def __init__(self, urls: ApiUrls, transport: httpx.AsyncBaseTransport) -> None:
        self.urls = urls
        self._timeout_s = urls.timeout_s
        self._transport = _Borrowed(transport)

    def drift(self, token: str) -> DriftClient:
        return DriftClient(
            self.urls.drift_detector, token=token, timeout_s=self._timeout_s, transport=self._transport
        )

    def governance(self, token: str) -> GovernanceClient:
        return GovernanceClient(
            self.urls.governance, token=token, timeout_s=self._timeout_s, transport=self._transport
        )

    def lineage(self, token: str) -> LineageClient:
        return LineageClient(
            self.urls.lineage_writer, token=token, timeout_s=self._timeout_s, transport=self._transport
        )

    def registry(self, token: str) -> RegistryApi:
        return RegistryApi(
            self.urls.registry, token=token, timeout_s=self._timeout_s, transport=self._transport
        )

    def schemas(self, token: str) -> AsyncRegistryClient:
        """Schema fetches (`GET /schema/fetch`), uncached: the console shows what the registry holds now."""
        return AsyncRegistryClient(
            self.urls.registry, token=token, timeout_s=self._timeout_s, transport=self._transport
        )
