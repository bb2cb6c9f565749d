"""The async Schema Resolver: cached, single-flight, refresh-ahead, stale-if-error, pinned per run."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any, Protocol

from opentelemetry import metrics

from schemaline.contracts import Envelope, Fqid, SchemaPublished, Selector, Subject
from schemaline.sdk.resolver.cache import CachePolicy, Lookup, ResolverCache, State
from schemaline.sdk.resolver.clock import Clock, system_clock
from schemaline.sdk.resolver.errors import SchemaFetchError
from schemaline.sdk.resolver.metrics import OUTCOMES, latency_histogram
from schemaline.sdk.resolver.model import ResolvedSchema

log = logging.getLogger("schemaline.sdk.resolver")


class AsyncFetcher(Protocol):
    """What the resolver needs from a client (`AsyncRegistryClient` is one)."""

    async def fetch(self, selector: Selector | str, etag: str | None = None) -> ResolvedSchema | None: ...


def _selector(value: Selector | str) -> Selector:
    return value if isinstance(value, Selector) else Selector.parse(value)


class AsyncSchemaResolver:
    """Resolves selectors through an in-process cache in front of the registry's fetch API."""

    def __init__(
        self,
        client: AsyncFetcher,
        policy: CachePolicy | None = None,
        *,
        clock: Clock = system_clock,
        meter_provider: metrics.MeterProvider | None = None,
    ) -> None:
        self._client = client
        self.cache = ResolverCache[ResolvedSchema](policy or CachePolicy(), clock)
        self._inflight: dict[str, asyncio.Task[ResolvedSchema]] = {}
        self._latency = latency_histogram(meter_provider)
        self.fetches = 0  # requests sent to the registry (tests and benches read it)

    async def resolve(self, selector: Selector | str) -> ResolvedSchema:
        """The exact version `selector` names now (from the cache when it can)."""
        started = time.perf_counter()
        key = str(selector)
        parsed = _selector(selector)
        found = self.cache.lookup(key, parsed.subject)
        outcome = "hit"
        try:
            if found.state is State.FRESH or found.state is State.BACKOFF:
                outcome = "hit" if found.state is State.FRESH else "stale"
                assert found.entry is not None
                return found.entry.value
            if found.state is State.REFRESH:
                assert found.entry is not None
                outcome = "refresh"
                self._load(key, parsed, found)  # in the background; this caller does not wait
                return found.entry.value
            outcome = "miss"
            return await asyncio.shield(self._load(key, parsed, found))
        except SchemaFetchError:
            outcome = "error"
            raise
        finally:
            self._latency.record((time.perf_counter() - started) * 1000.0, OUTCOMES[outcome])

    def _load(
        self, key: str, selector: Selector, found: Lookup[ResolvedSchema]
    ) -> asyncio.Task[ResolvedSchema]:
        """One request per key at a time: concurrent misses share the task (single-flight)."""
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._fetch(key, selector, found), name=f"resolve:{key}")
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._settled(key, done))
        return task

    def _settled(self, key: str, task: asyncio.Task[ResolvedSchema]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.warning("schema fetch for %s failed: %s", key, exc)

    async def _fetch(self, key: str, selector: Selector, found: Lookup[ResolvedSchema]) -> ResolvedSchema:
        etag = found.entry.value.etag if found.entry else None
        self.fetches += 1
        try:
            answer = await self._client.fetch(selector, etag)
        except SchemaFetchError:
            stale = self.cache.stale_stand_in(key)
            if stale is None:
                raise
            log.warning("registry unreachable; serving stale %s for %s", stale.fqid, key)
            return stale
        settled = self.cache.settle(key, selector, found, answer)
        if settled is None:
            settled = await self._client.fetch(selector)
            assert settled is not None, "a request without If-None-Match is never answered 304"
            self.cache.store(key, selector, settled, found.generation)
        return settled

    def invalidate(self, subject: Subject) -> None:
        self.cache.invalidate(subject)

    async def on_schema_published(self, envelope: Envelope[Any]) -> None:
        """Bus handler: a new version is live, so `latest` and `^MAJOR` must be asked again."""
        detail = envelope.detail
        if isinstance(detail, SchemaPublished):
            self.cache.invalidate(detail.fqid.subject)

    async def drain(self) -> None:
        """Wait for background refreshes (tests, shutdown)."""
        while self._inflight:
            await asyncio.gather(*self._inflight.values(), return_exceptions=True)

    def pin(self) -> RunPins:
        """Pins for one run: each selector resolves once, then always to the same exact version."""
        return RunPins(self)


class RunPins:
    """A run's view of the registry: the first answer for a selector is the only one it sees."""

    def __init__(self, resolver: AsyncSchemaResolver) -> None:
        self._resolver = resolver
        self._pins: dict[str, Fqid] = {}

    @property
    def pinned(self) -> Mapping[str, Fqid]:
        return dict(self._pins)

    async def resolve(self, selector: Selector | str) -> ResolvedSchema:
        key = str(selector)
        pinned = self._pins.get(key)
        if pinned is None:
            resolved = await self._resolver.resolve(selector)
            pinned = self._pins.setdefault(key, resolved.fqid)  # two first calls racing: the first wins
            if pinned == resolved.fqid:
                return resolved
        return await self._resolver.resolve(Selector.exact(pinned))
