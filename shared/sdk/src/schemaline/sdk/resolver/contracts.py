"""The contract resolver: stage contracts from the registry through the schema resolver's cache.

Fresh for `ttl_s`, revalidated in the background in the refresh-ahead window, and, when the registry
cannot be reached, served stale for up to `max_stale_s`; with nothing cached an unreachable registry
is `SchemaFetchError` (PIPE-1001). "No contract" is an answer too, cached like any other.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Protocol

from schemaline.contracts import Layer, PipelineId, SchemaContract
from schemaline.sdk.resolver.cache import CachePolicy, ResolverCache, State
from schemaline.sdk.resolver.clock import Clock, system_clock
from schemaline.sdk.resolver.errors import SchemaFetchError

log = logging.getLogger("schemaline.sdk.resolver")


class ContractFetcher(Protocol):
    """What the resolver needs from a client (`RegistryApi` is one): None when none is registered,
    `SchemaFetchError` when the registry cannot be reached or answers 5xx."""

    async def contract(self, pipeline_id: PipelineId, layer: Layer) -> SchemaContract | None: ...


@dataclass(frozen=True, slots=True)
class _Answer:
    contract: SchemaContract | None


class AsyncContractResolver:
    def __init__(
        self, client: ContractFetcher, policy: CachePolicy | None = None, *, clock: Clock = system_clock
    ) -> None:
        self._client = client
        self.cache = ResolverCache[_Answer](policy or CachePolicy(), clock)
        self._inflight: dict[str, asyncio.Task[_Answer]] = {}
        self.fetches = 0

    async def contract(
        self, pipeline_id: PipelineId, layer: Layer, *, fresh: bool = False
    ) -> SchemaContract | None:
        """The stage's contract (from the cache when it can). `fresh` asks the registry first (a
        binding that looks wrong may be a stale copy); the cached copy still stands in if it fails."""
        key = f"{pipeline_id}/{layer.value}"
        found = self.cache.lookup(key, None)
        usable = (State.FRESH, State.BACKOFF, State.REFRESH)
        if not fresh and found.entry is not None and found.state in usable:
            if found.state is State.REFRESH:
                self._load(key, pipeline_id, layer)  # in the background
            return found.entry.value.contract
        answer = await asyncio.shield(self._load(key, pipeline_id, layer))
        return answer.contract

    def _load(self, key: str, pipeline_id: PipelineId, layer: Layer) -> asyncio.Task[_Answer]:
        task = self._inflight.get(key)
        if task is None:
            generation = self.cache.lookup(key, None).generation
            task = asyncio.create_task(
                self._fetch(key, pipeline_id, layer, generation), name=f"contract:{key}"
            )
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._settled(key, done))
        return task

    def _settled(self, key: str, task: asyncio.Task[_Answer]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.warning("contract fetch for %s failed: %s", key, exc)

    async def _fetch(self, key: str, pipeline_id: PipelineId, layer: Layer, generation: int) -> _Answer:
        self.fetches += 1
        try:
            answer = _Answer(await self._client.contract(pipeline_id, layer))
        except SchemaFetchError:
            stale = self.cache.stale_stand_in(key)
            if stale is None:
                raise
            log.warning("registry unreachable; serving the cached contract for %s", key)
            return stale
        self.cache.store(key, None, answer, generation)
        return answer

    def invalidate(self) -> None:
        """Forget every contract (a contract changed and the caller knows it)."""
        self.cache.clear()

    async def drain(self) -> None:
        while self._inflight:
            await asyncio.gather(*self._inflight.values(), return_exceptions=True)
