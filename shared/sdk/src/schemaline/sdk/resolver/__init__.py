"""The Schema Resolver SDK: fetch schemas from the registry through a fast, safe in-process cache.

client = AsyncRegistryClient("http://registry:8081", token=token)
resolver = AsyncSchemaResolver(client, CachePolicy(ttl_s=60))
run = resolver.pin()                      # one per pipeline run
schema = await run.resolve("finance.gdp.invoice:^1")
"""

from schemaline.sdk.resolver.cache import CachePolicy
from schemaline.sdk.resolver.client import AsyncRegistryClient, SyncRegistryClient
from schemaline.sdk.resolver.clock import Clock, ManualClock, system_clock
from schemaline.sdk.resolver.contracts import AsyncContractResolver, ContractFetcher
from schemaline.sdk.resolver.errors import RegistryRequestError, SchemaFetchError, SchemaNotFoundError
from schemaline.sdk.resolver.metrics import LATENCY
from schemaline.sdk.resolver.model import ResolvedSchema
from schemaline.sdk.resolver.resolver import AsyncSchemaResolver, RunPins
from schemaline.sdk.resolver.sync import SchemaResolver, SyncRunPins

__all__ = [
    "LATENCY",
    "AsyncContractResolver",
    "AsyncRegistryClient",
    "AsyncSchemaResolver",
    "CachePolicy",
    "Clock",
    "ContractFetcher",
    "ManualClock",
    "RegistryRequestError",
    "ResolvedSchema",
    "RunPins",
    "SchemaFetchError",
    "SchemaNotFoundError",
    "SchemaResolver",
    "SyncRegistryClient",
    "SyncRunPins",
    "system_clock",
]
