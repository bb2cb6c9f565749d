"""The SchemaCatalog port over the registry: the SDK's cached resolvers, for schemas and for contracts."""

from __future__ import annotations

from schemaline.contracts import (
    Envelope,
    Fqid,
    Layer,
    PipelineId,
    RunId,
    SchemaContract,
    SchemaPublished,
    Selector,
)
from schemaline.sdk.resolver import AsyncContractResolver, AsyncSchemaResolver
from schemaline.validator.pins import InMemoryPins, PinStore, pinned
from schemaline.validator.ports import ResolvedSchema


class RegistryCatalog:
    """Contracts through the cached contract resolver (`AsyncContractResolver`), so a registry that
    is down does not stop verdicts while the cache is warm. Run pins in `pins`: the shared
    database's table for replicas (`SqlPins`), or this process's memory by default (a restarted
    validator then pins afresh, and the drift detector still sees a version change within a run
    from the verdicts)."""

    def __init__(
        self, resolver: AsyncSchemaResolver, contracts: AsyncContractResolver, pins: PinStore | None = None
    ) -> None:
        self._resolver = resolver
        self._contracts = contracts
        self._pins = pins or InMemoryPins()

    async def contract(
        self, pipeline_id: PipelineId, layer: Layer, *, fresh: bool = False
    ) -> SchemaContract | None:
        return await self._contracts.contract(pipeline_id, layer, fresh=fresh)

    async def resolve(self, selector: Selector, run_id: RunId) -> ResolvedSchema:
        async def newest() -> Fqid:
            return (await self._resolver.resolve(selector)).fqid

        return await self.fetch(await pinned(self._pins, run_id, selector, newest))

    async def fetch(self, fqid: Fqid) -> ResolvedSchema:
        resolved = await self._resolver.resolve(Selector.exact(fqid))
        return ResolvedSchema(resolved.fqid, resolved.schema)

    async def on_published(self, envelope: Envelope[SchemaPublished]) -> None:
        await self._resolver.on_schema_published(envelope)
