"""The synchronous Schema Resolver, for Glue jobs and other threaded code: same cache, same rules."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from opentelemetry import metrics

from schemaline.contracts import Envelope, Fqid, SchemaPublished, Selector, Subject
from schemaline.sdk.resolver.cache import CachePolicy, Lookup, ResolverCache, State
from schemaline.sdk.resolver.clock import Clock, system_clock
from schemaline.sdk.resolver.errors import SchemaFetchError
from schemaline.sdk.resolver.metrics import OUTCOMES, latency_histogram
from schemaline.sdk.resolver.model import ResolvedSchema

log = logging.getLogger("schemaline.sdk.resolver")


class SyncFetcher(Protocol):
    """What the resolver needs from a client (`SyncRegistryClient` is one)."""

    def fetch(self, selector: Selector | str, etag: str | None = None) -> ResolvedSchema | None: ...


class SchemaResolver:
    """Thread-safe: one lock guards the cache; concurrent misses of one key wait for one request."""

    def __init__(
        self,
        client: SyncFetcher,
        policy: CachePolicy | None = None,
        *,
        clock: Clock = system_clock,
        meter_provider: metrics.MeterProvider | None = None,
    ) -> None:
        self._client = client
        self.cache = ResolverCache[ResolvedSchema](policy or CachePolicy(), clock)
        self._lock = threading.Lock()
        self._inflight: dict[str, Future[ResolvedSchema]] = {}
        self._refresher: ThreadPoolExecutor | None = None
        self._latency = latency_histogram(meter_provider)
        self.fetches = 0

    def resolve(self, selector: Selector | str) -> ResolvedSchema:
        started = time.perf_counter()
        key = str(selector)
        parsed = selector if isinstance(selector, Selector) else Selector.parse(selector)
        outcome = "hit"
        try:
            with self._lock:
                found = self.cache.lookup(key, parsed.subject)
                if found.state in (State.FRESH, State.BACKOFF, State.REFRESH):
                    assert found.entry is not None
                    outcome = {State.FRESH: "hit", State.BACKOFF: "stale", State.REFRESH: "refresh"}[
                        found.state
                    ]
                    if found.state is State.REFRESH and key not in self._inflight:
                        self._background(key, parsed, found)
                    return found.entry.value
                outcome = "miss"
                future = self._inflight.get(key)
                owner = future is None
                if future is None:
                    future = self._inflight[key] = Future()
            if owner:
                self._run(key, parsed, found, future)
            return future.result()
        except SchemaFetchError:
            outcome = "error"
            raise
        finally:
            self._latency.record((time.perf_counter() - started) * 1000.0, OUTCOMES[outcome])

    def _background(self, key: str, selector: Selector, found: Lookup[ResolvedSchema]) -> None:
        future: Future[ResolvedSchema] = Future()
        self._inflight[key] = future
        if self._refresher is None:
            self._refresher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="schema-refresh")
        self._refresher.submit(self._run, key, selector, found, future)

    def _run(
        self, key: str, selector: Selector, found: Lookup[ResolvedSchema], future: Future[ResolvedSchema]
    ) -> None:
        try:
            future.set_result(self._fetch(key, selector, found))
        except BaseException as exc:
            log.warning("schema fetch for %s failed: %s", key, exc)
            future.set_exception(exc)
        finally:
            with self._lock:
                if self._inflight.get(key) is future:
                    del self._inflight[key]

    def _fetch(self, key: str, selector: Selector, found: Lookup[ResolvedSchema]) -> ResolvedSchema:
        etag = found.entry.value.etag if found.entry else None
        self.fetches += 1
        try:
            answer = self._client.fetch(selector, etag)
        except SchemaFetchError:
            with self._lock:
                stale = self.cache.stale_stand_in(key)
            if stale is None:
                raise
            log.warning("registry unreachable; serving stale %s for %s", stale.fqid, key)
            return stale
        with self._lock:
            settled = self.cache.settle(key, selector, found, answer)
        if settled is None:
            settled = self._client.fetch(selector)
            assert settled is not None, "a request without If-None-Match is never answered 304"
            with self._lock:
                self.cache.store(key, selector, settled, found.generation)
        return settled

    def invalidate(self, subject: Subject) -> None:
        with self._lock:
            self.cache.invalidate(subject)

    def on_schema_published(self, envelope: Envelope[Any]) -> None:
        detail = envelope.detail
        if isinstance(detail, SchemaPublished):
            self.invalidate(detail.fqid.subject)

    def drain(self) -> None:
        """Wait for background refreshes (tests, shutdown)."""
        while True:
            with self._lock:
                pending = list(self._inflight.values())
            if not pending:
                return
            for future in pending:
                future.exception()

    def close(self) -> None:
        if self._refresher is not None:
            self._refresher.shutdown(wait=True)

    def pin(self) -> SyncRunPins:
        return SyncRunPins(self)


class SyncRunPins:
    """A run's view: each selector resolves once, then always to that exact version."""

    def __init__(self, resolver: SchemaResolver) -> None:
        self._resolver = resolver
        self._pins: dict[str, Fqid] = {}

    @property
    def pinned(self) -> Mapping[str, Fqid]:
        return dict(self._pins)

    def resolve(self, selector: Selector | str) -> ResolvedSchema:
        key = str(selector)
        pinned = self._pins.get(key)
        if pinned is None:
            resolved = self._resolver.resolve(selector)
            pinned = self._pins.setdefault(key, resolved.fqid)
            if pinned == resolved.fqid:
                return resolved
        return self._resolver.resolve(Selector.exact(pinned))
