"""The synchronous resolver (Glue jobs): the same cache rules, thread-safe single-flight."""

from __future__ import annotations

import threading

import pytest

from schemaline.contracts import PipeCode
from schemaline.sdk.resolver import CachePolicy, ManualClock, SchemaFetchError, SchemaResolver
from schemaline.sdk.resolver.fake import InMemoryRegistry

LATEST = "finance.gdp.invoice:latest"
POLICY = CachePolicy(ttl_s=60, refresh_ahead_s=10, max_stale_s=300, error_backoff_s=5)


@pytest.fixture
def registry() -> InMemoryRegistry:
    registry = InMemoryRegistry()
    registry.publish("finance.gdp.invoice:v1.0", {"title": "v1.0"})
    return registry


def test_ttl_revalidation_and_refresh_ahead(registry: InMemoryRegistry) -> None:
    clock = ManualClock()
    resolver = SchemaResolver(registry.sync, POLICY, clock=clock)
    first = resolver.resolve(LATEST)
    clock.advance(30)
    assert resolver.resolve(LATEST) is first
    assert len(registry.requests) == 1
    registry.publish("finance.gdp.invoice:v1.1", {"title": "v1.1"})
    clock.advance(25)  # refresh window: served now, refreshed on the background thread
    assert resolver.resolve(LATEST) is first
    resolver.drain()
    assert str(resolver.resolve(LATEST).fqid) == "finance.gdp.invoice:v1.1"
    clock.advance(61)
    resolver.resolve(LATEST)
    assert registry.not_modified == 1
    resolver.close()


def test_concurrent_threads_missing_together_make_one_request(registry: InMemoryRegistry) -> None:
    resolver = SchemaResolver(registry.sync, POLICY, clock=ManualClock())
    registry.hold()
    results = []
    threads = [threading.Thread(target=lambda: results.append(resolver.resolve(LATEST))) for _ in range(16)]
    for thread in threads:
        thread.start()
    registry.release()
    for thread in threads:
        thread.join(timeout=10)
    assert len(results) == 16
    assert len({id(result) for result in results}) == 1
    assert len(registry.requests) == 1


def test_stale_if_error_then_pipe_1001(registry: InMemoryRegistry) -> None:
    clock = ManualClock()
    resolver = SchemaResolver(registry.sync, POLICY, clock=clock)
    cached = resolver.resolve(LATEST)
    registry.down = True
    clock.advance(200)
    assert resolver.resolve(LATEST) is cached
    clock.advance(200)
    with pytest.raises(SchemaFetchError) as raised:
        resolver.resolve(LATEST)
    assert raised.value.code is PipeCode.SCHEMA_FETCH_TIMEOUT


def test_a_run_keeps_its_version(registry: InMemoryRegistry) -> None:
    resolver = SchemaResolver(registry.sync, POLICY, clock=ManualClock())
    run = resolver.pin()
    assert str(run.resolve(LATEST).fqid) == "finance.gdp.invoice:v1.0"
    registry.publish("finance.gdp.invoice:v1.1", {"title": "v1.1"})
    resolver.invalidate(run.resolve(LATEST).fqid.subject)
    assert str(run.resolve(LATEST).fqid) == "finance.gdp.invoice:v1.0"
    assert str(resolver.resolve(LATEST).fqid) == "finance.gdp.invoice:v1.1"
