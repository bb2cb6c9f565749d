"""One bus test suite, run against every transport (see test_bus_memory / test_bus_rabbitmq)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from schemaline.contracts import BatchLanded, Envelope, SchemaPublished, new_envelope
from schemaline.runtime.bus import EventBus, OutgoingMessage, PermanentError, RetryPolicy, Transport
from tests.support.aio import eventually

BusFactory = Callable[[], EventBus]


def landed(run: int) -> Envelope[BatchLanded]:
    detail = BatchLanded.model_validate(
        {
            "pipeline_id": "finance_gdp_transform",
            "run_id": f"jr-{run:06d}",
            "layer": "gdp",
            "declared_fqid": "finance.gdp.invoice:v1.1",
            "object_uri": f"s3://warehouse/gdp/invoice/part-{run}.jsonl",
        }
    )
    return new_envelope(detail, source="test")


class BusContract:
    """Subclasses provide `make_transport`: a new transport onto the same broker each call."""

    @pytest.fixture
    def make_transport(self) -> Callable[[], Transport]:
        raise NotImplementedError

    @pytest.fixture
    async def make_bus(self, make_transport: Callable[[], Transport]) -> AsyncIterator[BusFactory]:
        buses: list[EventBus] = []

        def factory() -> EventBus:
            bus = EventBus(make_transport(), retry=RetryPolicy(3, 0.01))
            buses.append(bus)
            return bus

        yield factory
        for bus in buses:
            await bus.close()

    async def test_delivers_the_typed_event(self, make_bus: BusFactory) -> None:
        received: list[Envelope[Any]] = []

        async def handler(envelope: Envelope[Any]) -> None:
            received.append(envelope)

        bus = make_bus()
        bus.subscribe("alpha", ["BatchLanded"], handler)
        await bus.start()
        sent = landed(1)
        await bus.publish(sent)
        await eventually(lambda: len(received) == 1, what="delivery")
        assert isinstance(received[0].detail, BatchLanded)
        assert received[0].id == sent.id
        assert received[0].detail.run_id == "jr-000001"

    async def test_the_envelope_arrives_as_published(self, make_bus: BusFactory) -> None:
        """Our id, the replay name and every EventMeta field survive the trip on every transport
        (EventBridge assigns its own id and has no replay-name field in PutEvents)."""
        received: list[Envelope[Any]] = []

        async def handler(envelope: Envelope[Any]) -> None:
            received.append(envelope)

        bus = make_bus()
        bus.subscribe("alpha", ["BatchLanded"], handler)
        await bus.start()
        base = landed(7)
        meta = {"causation_id": "cause-1", "correlation_id": "jr-000007"}
        sent = base.with_meta(**meta).model_copy(
            update={"replay_name": "INC-42", "resources": ("s3://warehouse/gdp/part-7.jsonl",)}
        )
        await bus.publish(sent)
        await eventually(lambda: len(received) == 1, what="delivery")
        (got,) = received
        assert got.id == sent.id
        assert got.replay_name == "INC-42"
        assert (got.detail_type, got.source, got.resources) == (sent.detail_type, sent.source, sent.resources)
        # The publisher sets the trace context of its span; everything else is as sent.
        trace_fields = {"traceparent", "tracestate"}
        assert got.detail.meta.model_dump(exclude=trace_fields) == sent.detail.meta.model_dump(
            exclude=trace_fields
        )
        assert got.detail.meta.event_id is None, "the transport's carrier fields are cleared on delivery"
        assert got.detail.model_dump(exclude={"meta"}) == sent.detail.model_dump(exclude={"meta"})
        assert abs((got.time - sent.time).total_seconds()) < 1  # EventBridge keeps whole seconds

    async def test_fans_out_to_every_subscribed_service_and_only_them(self, make_bus: BusFactory) -> None:
        seen: Counter[str] = Counter()

        def recorder(name: str) -> Callable[[Envelope[Any]], Any]:
            async def handler(envelope: Envelope[Any]) -> None:
                seen[f"{name}:{envelope.detail_type}"] += 1

            return handler

        bus = make_bus()
        bus.subscribe("alpha", ["BatchLanded"], recorder("alpha"))
        bus.subscribe("beta", ["BatchLanded", "SchemaPublished"], recorder("beta"))
        await bus.start()
        published = SchemaPublished.model_validate(
            {
                "fqid": "finance.gdp.invoice:v1.2",
                "fingerprint": "sha256:00",
                "published_at": "2025-10-07T00:00:00Z",
            }
        )
        await bus.publish_many([landed(1), new_envelope(published, source="registry")])
        await eventually(lambda: sum(seen.values()) == 3, what="fan-out")
        await asyncio.sleep(0.1)
        assert seen == {"alpha:BatchLanded": 1, "beta:BatchLanded": 1, "beta:SchemaPublished": 1}

    async def test_acks_only_after_the_handler_returned(self, make_bus: BusFactory) -> None:
        started = asyncio.Event()
        done: list[str] = []

        async def stuck(envelope: Envelope[Any]) -> None:
            started.set()
            await asyncio.Event().wait()  # never returns: the consumer is stopped mid-handler

        first = make_bus()
        first.subscribe("alpha", ["BatchLanded"], stuck)
        await first.start()
        await first.publish(landed(7))
        await asyncio.wait_for(started.wait(), 10)
        await first.close()

        async def finish(envelope: Envelope[Any]) -> None:
            done.append(envelope.id)

        second = make_bus()
        second.subscribe("alpha", ["BatchLanded"], finish)
        await second.start()
        await eventually(lambda: len(done) == 1, what="redelivery of the unacked event")

    async def test_retries_then_dead_letters_with_the_reason(self, make_bus: BusFactory) -> None:
        attempts: list[str] = []

        async def failing(envelope: Envelope[Any]) -> None:
            attempts.append(envelope.id)
            raise ValueError("warehouse unreachable")

        bus = make_bus()
        bus.subscribe("alpha", ["BatchLanded"], failing)
        await bus.start()
        sent = landed(2)
        await bus.publish(sent)
        letters = await _wait_for_dead_letters(bus, "alpha", 1)
        assert attempts == [sent.id] * 3
        assert "failed 3 times" in letters[0].reason
        assert "ValueError: warehouse unreachable" in letters[0].reason
        assert letters[0].routing_key == "BatchLanded"
        assert letters[0].body  # the original message, for replay

    async def test_a_transient_failure_is_retried_to_success(self, make_bus: BusFactory) -> None:
        calls: list[int] = []

        async def flaky(envelope: Envelope[Any]) -> None:
            calls.append(1)
            if len(calls) < 3:
                raise ConnectionError("blip")

        bus = make_bus()
        bus.subscribe("alpha", ["BatchLanded"], flaky)
        await bus.start()
        await bus.publish(landed(3))
        await eventually(lambda: len(calls) == 3, what="third attempt")
        await asyncio.sleep(0.1)
        assert await bus.dead_letters("alpha") == []

    async def test_malformed_messages_go_to_the_dlq_and_never_stop_the_consumer(
        self, make_bus: BusFactory
    ) -> None:
        received: list[str] = []

        async def handler(envelope: Envelope[Any]) -> None:
            received.append(envelope.id)

        bus = make_bus()
        bus.subscribe("alpha", ["BatchLanded"], handler)
        await bus.start()
        await bus.transport.publish(
            [
                OutgoingMessage("BatchLanded", b"{not json", "m-1"),
                OutgoingMessage("BatchLanded", b'{"detail-type": "BatchLanded", "detail": {}}', "m-2"),
            ]
        )
        good = landed(4)
        await bus.publish(good)
        await eventually(lambda: received == [good.id], what="the good event after two bad ones")
        letters = await _wait_for_dead_letters(bus, "alpha", 2)
        assert [letter.reason.split(":")[0] for letter in letters] == ["malformed message"] * 2
        assert "not JSON" in letters[0].reason
        assert "/source" in letters[1].reason or "/detail" in letters[1].reason

    async def test_deep_huge_and_binary_messages_go_to_the_dlq_with_their_reason(
        self, make_transport: Callable[[], Transport]
    ) -> None:
        received: list[str] = []

        async def handler(envelope: Envelope[Any]) -> None:
            received.append(envelope.id)

        bus = EventBus(make_transport(), retry=RetryPolicy(3, 0.01), max_message_bytes=32_768)
        try:
            bus.subscribe("alpha", ["BatchLanded"], handler)
            await bus.start()
            await bus.transport.publish(
                [
                    OutgoingMessage("BatchLanded", b"[" * 10_000 + b"]" * 10_000, "deep"),
                    OutgoingMessage("BatchLanded", b'{"x": "' + b"a" * 40_000 + b'"}', "huge"),
                    OutgoingMessage("BatchLanded", bytes(range(256)), "binary"),
                ]
            )
            canary = landed(7)
            await bus.publish(canary)
            await eventually(lambda: received == [canary.id], what="the canary after three poison messages")
            letters = await _wait_for_dead_letters(bus, "alpha", 3)
            reasons = sorted(letter.reason for letter in letters)
            assert all(reason.startswith("malformed message: ") for reason in reasons)
            assert any("nested too deep" in reason for reason in reasons)
            assert any("more than the 32768 allowed" in reason for reason in reasons)
            assert not any(task.done() for task in bus.consumer_tasks)
        finally:
            await bus.close()

    async def test_an_outage_retried_through_leaves_an_unexpected_error_its_own_attempts(
        self, make_bus: BusFactory
    ) -> None:
        failures: list[Exception] = [ConnectionError("db down")] * 3 + [ValueError("a hiccup")]
        handled: list[str] = []

        async def recovering(envelope: Envelope[Any]) -> None:
            if failures:
                raise failures.pop(0)
            handled.append(envelope.id)

        bus = make_bus()
        bus.subscribe("alpha", ["BatchLanded"], recovering)
        await bus.start()
        event = landed(9)
        await bus.publish(event)
        await eventually(
            lambda: handled == [event.id], what="handled after 3 transient, 1 unexpected failure"
        )
        assert await bus.dead_letters("alpha") == []

    async def test_a_permanent_error_is_dead_lettered_at_once(self, make_bus: BusFactory) -> None:
        attempts: list[str] = []

        async def refusing(envelope: Envelope[Any]) -> None:
            attempts.append(envelope.id)
            raise PermanentError("the batch names a pipeline that does not exist")

        bus = make_bus()
        bus.subscribe("alpha", ["BatchLanded"], refusing)
        await bus.start()
        await bus.publish(landed(8))
        letters = await _wait_for_dead_letters(bus, "alpha", 1)
        assert len(attempts) == 1
        assert "(permanent): PermanentError: the batch names a pipeline" in letters[0].reason

    async def test_a_redelivered_event_has_no_second_effect(self, make_bus: BusFactory) -> None:
        effects: Counter[str] = Counter()

        async def handler(envelope: Envelope[Any]) -> None:
            effects[envelope.id] += 1

        bus = make_bus()
        bus.subscribe("alpha", ["BatchLanded"], handler)
        await bus.start()
        sent = landed(5)
        await bus.publish(sent)
        await bus.publish(sent)  # the same event id again, as an at-least-once bus may do
        marker = landed(6)
        await bus.publish(marker)
        await eventually(lambda: effects[marker.id] == 1, what="the marker event")
        assert effects[sent.id] == 1

    async def test_a_consumer_restarted_mid_stream_loses_nothing(self, make_bus: BusFactory) -> None:
        effects: Counter[str] = Counter()
        committed: set[str] = set()  # what a handler's database would remember across the restart
        total = 200

        async def slow(envelope: Envelope[Any]) -> None:
            await asyncio.sleep(0.001)
            if envelope.id not in committed:
                committed.add(envelope.id)
                effects[envelope.id] += 1

        first = make_bus()
        first.subscribe("alpha", ["BatchLanded"], slow)
        await first.start()
        sent = [landed(100 + n) for n in range(total)]
        await first.publish_many(sent)
        await eventually(lambda: len(effects) >= 40, what="the first 40 events")
        await first.close()
        assert len(effects) < total, "the restart should happen mid-stream"

        second = make_bus()
        second.subscribe("alpha", ["BatchLanded"], slow)
        await second.start()
        await eventually(lambda: len(effects) == total, within=30, what="every event after restart")
        assert set(effects) == {envelope.id for envelope in sent}
        assert max(effects.values()) == 1


async def _wait_for_dead_letters(bus: EventBus, service: str, count: int) -> list[Any]:
    letters: list[Any] = []

    async def poll() -> None:
        while len(letters) < count:
            letters.extend(await bus.dead_letters(service))
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), 10)
    return letters
