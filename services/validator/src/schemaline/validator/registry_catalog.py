"""The SchemaCatalog port over the registry: cached resolver for schemas, the API for contracts."""

from __future__ import annotations

from collections import OrderedDict

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
from schemaline.sdk.registry_api import RegistryApi
from schemaline.sdk.resolver import AsyncSchemaResolver, RunPins
from schemaline.validator.ports import ResolvedSchema

MAX_PINNED_RUNS = 10_000


class RegistryCatalog:
    """Pins per run in memory (the most recent runs); a restarted validator pins afresh, and the
    drift detector still sees a version change within a run from the verdicts."""

    def __init__(self, resolver: AsyncSchemaResolver, api: RegistryApi) -> None:
        self._resolver = resolver
        self._api = api
        self._runs: OrderedDict[str, RunPins] = OrderedDict()

    async def contract(self, pipeline_id: PipelineId, layer: Layer) -> SchemaContract | None:
        return await self._api.contract(pipeline_id, layer)

    async def resolve(self, selector: Selector, run_id: RunId) -> ResolvedSchema:
        pins = self._runs.get(run_id)
        if pins is None:
            pins = self._runs[run_id] = self._resolver.pin()
            if len(self._runs) > MAX_PINNED_RUNS:
                self._runs.popitem(last=False)
        else:
            self._runs.move_to_end(run_id)
        resolved = await pins.resolve(selector)
        return ResolvedSchema(resolved.fqid, resolved.schema)

    async def fetch(self, fqid: Fqid) -> ResolvedSchema:
        resolved = await self._resolver.resolve(Selector.exact(fqid))
        return ResolvedSchema(resolved.fqid, resolved.schema)

    async def on_published(self, envelope: Envelope[SchemaPublished]) -> None:
        await self._resolver.on_schema_published(envelope)
