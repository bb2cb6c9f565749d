"""How a service, job or CLI reaches the registry, and the clients built from it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
from opentelemetry import metrics
from pydantic import BaseModel, Field, SecretStr

from schemaline.sdk.registry_api import RegistryApi
from schemaline.sdk.resolver import (
    AsyncContractResolver,
    AsyncRegistryClient,
    AsyncSchemaResolver,
    CachePolicy,
)


class RegistryClientSettings(BaseModel):
    url: str = Field(default="http://127.0.0.1:8081", description="Registry base URL")
    token: SecretStr = Field(default=SecretStr(""), description="Bearer token")
    timeout_s: float = Field(default=2.0, gt=0, description="Timeout of one registry request")
    cache: CachePolicy = Field(default_factory=CachePolicy, description="Resolver cache policy")


@dataclass(frozen=True)
class RegistryClients:
    resolver: AsyncSchemaResolver
    api: RegistryApi
    contracts: AsyncContractResolver  # the stage contracts, through the same cache policy


@contextlib.asynccontextmanager
async def connect_registry(
    settings: RegistryClientSettings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    meter_provider: metrics.MeterProvider | None = None,
) -> AsyncIterator[RegistryClients]:
    """The cached resolver and the management API client, closed on exit.

    `transport` lets an in-process registry (an ASGI app) serve them, as the embedded demo does.
    """
    token = settings.token.get_secret_value()
    fetcher = AsyncRegistryClient(
        settings.url, token=token, timeout_s=settings.timeout_s, transport=transport
    )
    api = RegistryApi(settings.url, token=token, timeout_s=max(settings.timeout_s, 5.0), transport=transport)
    resolver = AsyncSchemaResolver(fetcher, settings.cache, meter_provider=meter_provider)
    contracts = AsyncContractResolver(api, settings.cache)
    try:
        yield RegistryClients(resolver, api, contracts)
    finally:
        await contracts.drain()
        await resolver.drain()
        await fetcher.aclose()
        await api.aclose()
