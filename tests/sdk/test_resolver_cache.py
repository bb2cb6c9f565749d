"""The async resolver's cache behaviours, on a manual clock and an in-memory registry."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from schemaline.contracts import Fingerprint, Fqid, PipeCode, SchemaPublished, new_envelope
from schemaline.sdk.resolver import (
    LATENCY,
    AsyncSchemaResolver,
    CachePolicy,
    ManualClock,
    SchemaFetchError,
    SchemaNotFoundError,
)
from schemaline.sdk.resolver.fake import InMemoryRegistry

LATEST = "finance.gdp.invoice:latest"
POLICY = CachePolicy(ttl_s=60, refresh_ahead_s=10, max_stale_s=300, error_backoff_s=5, max_entries=100)


@pytest.fixture
def registry() -> InMemoryRegistry:
    registry = InMemoryRegistry()
    registry.publish("finance.gdp.invoice:v1.0", {"title": "v1.0"})
    return registry


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def resolver(registry: InMemoryRegistry, clock: ManualClock) -> AsyncSchemaResolver:
    return AsyncSchemaResolver(registry, POLICY, clock=clock)


def published(fqid: str) -> SchemaPublished:
    return SchemaPublished(
        fqid=Fqid.parse(fqid),
        fingerprint=Fingerprint("sha256:x"),
        published_at=datetime(2025, 10, 7, tzinfo=UTC),
    )


async def test_answers_within_ttl_come_from_the_cache(
    resolver: AsyncSchemaResolver, registry: InMemoryRegistry, clock: ManualClock
) -> None:
    first = await resolver.resolve(LATEST)
    clock.advance(49)
    for _ in range(100):
        assert await resolver.resolve(LATEST) is first
    assert len(registry.requests) == 1
    assert str(first.fqid) == "finance.gdp.invoice:v1.0"


async def test_expired_entries_revalidate_with_their_etag(
    resolver: AsyncSchemaResolver, registry: InMemoryRegistry, clock: ManualClock
) -> None:
    first = await resolver.resolve(LATEST)
    clock.advance(61)
    again = await resolver.resolve(LATEST)
    assert again is first
    assert registry.requests == [(LATEST, None), (LATEST, first.etag)]
    assert registry.not_modified == 1
    clock.advance(49)  # the 304 made it fresh for another TTL
    await resolver.resolve(LATEST)
    assert len(registry.requests) == 2


async def test_refresh_ahead_serves_at_once_and_refreshes_in_the_background(
    resolver: AsyncSchemaResolver, registry: InMemoryRegistry, clock: ManualClock
) -> None:
    await resolver.resolve(LATEST)
    registry.publish("finance.gdp.invoice:v1.1", {"title": "v1.1"})
    registry.hold()  # the registry is slow: a caller in the refresh window must not wait for it
    clock.advance(55)
    served = await asyncio.wait_for(resolver.resolve(LATEST), 1)
    assert str(served.fqid) == "finance.gdp.invoice:v1.0"
    assert await resolver.resolve(LATEST) is served  # one background refresh, not one per hit
    registry.release()
    await resolver.drain()
    assert len(registry.requests) == 2
    refreshed = await resolver.resolve(LATEST)
    assert str(refreshed.fqid) == "finance.gdp.invoice:v1.1"
    assert len(registry.requests) == 2


async def test_a_thundering_herd_of_misses_makes_one_request(
    resolver: AsyncSchemaResolver, registry: InMemoryRegistry
) -> None:
    registry.hold()
    callers = [asyncio.create_task(resolver.resolve(LATEST)) for _ in range(200)]
    await asyncio.sleep(0.01)
    registry.release()
    results = await asyncio.gather(*callers)
    assert len(registry.requests) == 1
    assert len({id(result) for result in results}) == 1


async def test_stale_if_error_up_to_max_stale_then_pipe_1001(
    resolver: AsyncSchemaResolver, registry: InMemoryRegistry, clock: ManualClock
) -> None:
    cached = await resolver.resolve(LATEST)
    registry.down = True
    clock.advance(60 + 100)  # expired 100 s ago, within the 300 s max-stale
    assert await resolver.resolve(LATEST) is cached
    clock.advance(4)  # inside the error back-off: stale without asking again
    assert await resolver.resolve(LATEST) is cached
    assert len(registry.requests) == 2
    clock.advance(2)  # back-off over: asks, fails, serves stale again
    assert await resolver.resolve(LATEST) is cached
    assert len(registry.requests) == 3
    clock.advance(300)  # now beyond max-stale
    with pytest.raises(SchemaFetchError) as raised:
        await resolver.resolve(LATEST)
    assert raised.value.code is PipeCode.SCHEMA_FETCH_TIMEOUT
    assert raised.value.render().startswith("PIPE-1001 Schema fetch timeout")
    registry.down = False
    assert await resolver.resolve(LATEST) is cached  # recovered (a 304: same content)


async def test_a_cold_miss_with_the_registry_down_is_pipe_1001(
    resolver: AsyncSchemaResolver, registry: InMemoryRegistry
) -> None:
    registry.down = True
    with pytest.raises(SchemaFetchError) as raised:
        await resolver.resolve(LATEST)
    assert raised.value.code.value == "PIPE-1001"
    assert raised.value.selector == LATEST


async def test_unknown_schema_is_not_found_and_not_cached(
    resolver: AsyncSchemaResolver, registry: InMemoryRegistry
) -> None:
    for _ in range(2):
        with pytest.raises(SchemaNotFoundError):
            await resolver.resolve("finance.gdp.invoice:^2")
    assert len(registry.requests) == 2


async def test_schema_published_invalidates_latest_and_major_but_not_exact(
    resolver: AsyncSchemaResolver, registry: InMemoryRegistry
) -> None:
    for selector in (LATEST, "finance.gdp.invoice:^1", "finance.gdp.invoice:v1.0"):
        await resolver.resolve(selector)
    registry.publish("finance.gdp.invoice:v1.1", {"title": "v1.1"})
    await resolver.on_schema_published(new_envelope(published("finance.gdp.invoice:v1.1"), source="registry"))
    assert str((await resolver.resolve(LATEST)).fqid) == "finance.gdp.invoice:v1.1"
    assert str((await resolver.resolve("finance.gdp.invoice:^1")).fqid) == "finance.gdp.invoice:v1.1"
    assert str((await resolver.resolve("finance.gdp.invoice:v1.0")).fqid) == "finance.gdp.invoice:v1.0"
    assert len(registry.requests) == 5  # the exact version was not asked again


async def test_an_answer_in_flight_during_invalidation_is_not_kept(
    resolver: AsyncSchemaResolver, registry: InMemoryRegistry
) -> None:
    registry.hold()
    in_flight = asyncio.create_task(resolver.resolve(LATEST))
    await asyncio.sleep(0.01)
    registry.publish("finance.gdp.invoice:v1.1", {"title": "v1.1"})
    resolver.invalidate(Fqid.parse("finance.gdp.invoice:v1.1").subject)
    registry.release()
    await in_flight
    assert len(resolver.cache) == 0
    assert str((await resolver.resolve(LATEST)).fqid) == "finance.gdp.invoice:v1.1"


async def test_least_recently_used_entries_leave_first(
    registry: InMemoryRegistry, clock: ManualClock
) -> None:
    for minor in (1, 2):
        registry.publish(f"finance.gdp.invoice:v1.{minor}", {"minor": minor})
    resolver = AsyncSchemaResolver(registry, POLICY.model_copy(update={"max_entries": 2}), clock=clock)
    await resolver.resolve("finance.gdp.invoice:v1.0")
    await resolver.resolve("finance.gdp.invoice:v1.1")
    await resolver.resolve("finance.gdp.invoice:v1.0")  # v1.0 is now the most recent
    await resolver.resolve("finance.gdp.invoice:v1.2")  # evicts v1.1
    assert len(resolver.cache) == 2
    await resolver.resolve("finance.gdp.invoice:v1.0")
    await resolver.resolve("finance.gdp.invoice:v1.1")
    assert [selector for selector, _ in registry.requests].count("finance.gdp.invoice:v1.1") == 2
    assert [selector for selector, _ in registry.requests].count("finance.gdp.invoice:v1.0") == 1


async def test_a_run_keeps_what_it_resolved_first(
    resolver: AsyncSchemaResolver, registry: InMemoryRegistry
) -> None:
    run = resolver.pin()
    assert str((await run.resolve(LATEST)).fqid) == "finance.gdp.invoice:v1.0"
    registry.publish("finance.gdp.invoice:v1.1", {"title": "v1.1"})
    await resolver.on_schema_published(new_envelope(published("finance.gdp.invoice:v1.1"), source="registry"))
    assert str((await run.resolve(LATEST)).fqid) == "finance.gdp.invoice:v1.0"
    assert run.pinned == {LATEST: Fqid.parse("finance.gdp.invoice:v1.0")}
    assert str((await resolver.pin().resolve(LATEST)).fqid) == "finance.gdp.invoice:v1.1"  # a new run


async def test_latency_histogram_is_recorded_per_outcome(
    registry: InMemoryRegistry, clock: ManualClock
) -> None:
    reader = InMemoryMetricReader()
    resolver = AsyncSchemaResolver(registry, POLICY, clock=clock, meter_provider=MeterProvider([reader]))
    await resolver.resolve(LATEST)
    for _ in range(9):
        await resolver.resolve(LATEST)
    data = reader.get_metrics_data()
    assert data is not None
    [metric] = [m for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics]
    assert (metric.name, metric.unit) == (LATENCY, "ms")
    counts = {dict(p.attributes or {})["schema.cache"]: p.count for p in metric.data.data_points}  # type: ignore[union-attr]
    assert counts == {"miss": 1, "hit": 9}
