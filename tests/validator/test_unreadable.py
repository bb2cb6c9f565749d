"""A batch object that exists but cannot be read still gets a verdict: a refusal at once, an outage
once the consumer gives up (PIPE-1501, with the event in the DLQ for a redrive)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from schemaline.contracts import (
    BatchLanded,
    Envelope,
    PipeCode,
    PipelineFailed,
    SchemaValidated,
    new_envelope,
)
from schemaline.runtime.bus import EventBus, InMemoryTransport
from schemaline.runtime.bus.dead_letters import peek, redrive
from schemaline.runtime.objectstore import (
    LocalFolderStore,
    ObjectReader,
    ObjectStore,
    ObjectUnreadable,
    S3ObjectStore,
)
from schemaline.runtime.service import start
from schemaline.runtime.settings import BusSettings
from schemaline.validator.settings import ValidatorSettings
from schemaline.validator.spec import SPEC
from tests.support.aio import eventually
from tests.support.invoices import invoice, jsonl

from .conftest import V11, VERDICTS, catalog

URI = "s3://warehouse/gdp/invoice/2025/10/07/part-0.jsonl"


def landed(run: str) -> Envelope[Any]:
    detail = BatchLanded.model_validate(
        {
            "pipeline_id": "finance_gdp_transform",
            "run_id": run,
            "layer": "gdp",
            "declared_fqid": str(V11),
            "object_uri": URI,
        }
    )
    return new_envelope(detail, source="test")


class FlakyStore(LocalFolderStore):
    """A local folder whose reads fail the way S3 does when it is overloaded, until `recover()`."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.down = True

    async def open(self, uri: str, *, chunk_size: int = 1 << 20) -> ObjectReader:
        if self.down:
            answer = {"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}}
            answer["ResponseMetadata"] = {"HTTPStatusCode": 503}  # type: ignore[dict-item]
            raise ObjectUnreadable(uri, "SlowDown") from ClientError(answer, "GetObject")
        return await super().open(uri, chunk_size=chunk_size)


@dataclass
class Observed:
    """The test's bus and the verdicts seen on it."""

    bus: EventBus
    seen: list[Envelope[Any]] = field(default_factory=list)

    async def verdicts_for(self, event: Envelope[Any], count: int) -> list[Envelope[Any]]:
        """The verdicts caused by `event`, once there are `count` of them."""

        def mine() -> list[Envelope[Any]]:
            return [v for v in self.seen if v.detail.meta.causation_id == event.id]

        await eventually(lambda: len(mine()) >= count, within=15, what=f"{count} verdicts")
        return mine()


@pytest.fixture
async def observed() -> AsyncIterator[Observed]:
    result = Observed(EventBus(InMemoryTransport()))

    async def record(envelope: Envelope[Any]) -> None:
        result.seen.append(envelope)

    result.bus.subscribe("ops", VERDICTS, record)
    await result.bus.start()
    yield result
    await result.bus.close()


async def test_a_store_that_stays_down_gives_the_run_a_pipe_1501_verdict_and_a_redrive_the_real_one(
    observed: Observed, tmp_path: Path
) -> None:
    store = FlakyStore(tmp_path / "objects")
    await store.put_bytes(URI, jsonl([invoice(1), invoice(2)]))
    settings = ValidatorSettings(bus=BusSettings(retry_for_s=0.3, retry_backoff_s=0.01, max_backoff_s=0.05))
    async with start(
        SPEC, settings=settings, transport=observed.bus.transport, catalog=catalog(), objects=store
    ):
        event = landed("jr-down")
        await observed.bus.publish(event)
        [verdict] = await observed.verdicts_for(event, 1)
        assert isinstance(verdict.detail, PipelineFailed)
        assert verdict.detail.code is PipeCode.EVENT_DEAD_LETTERED
        assert verdict.detail.run_id == "jr-down"
        assert "SlowDown" in verdict.detail.message
        assert "(transient)" in verdict.detail.message
        [letter] = await peek(observed.bus.transport, "validator")
        assert letter.message_id == event.id

        store.down = False
        assert (await redrive(observed.bus.transport, "validator")).republished == 1
        first, second = await observed.verdicts_for(event, 2)
        assert first.id == verdict.id
        assert isinstance(second.detail, SchemaValidated)
        assert second.detail.valid_count == 2
        assert second.id != verdict.id  # not taken for a repeat of the PIPE-1501 announcement


@pytest.mark.moto
async def test_an_archived_object_gets_a_failed_verdict_at_once(
    observed: Observed, moto_endpoint: str
) -> None:
    async with S3ObjectStore.connect(endpoint_url=moto_endpoint) as store:
        await store.ensure_bucket("warehouse")
        bucket, key = URI.removeprefix("s3://").split("/", 1)
        await store.client.put_object(Bucket=bucket, Key=key, Body=b"{}\n", StorageClass="GLACIER")
        objects: ObjectStore = store
        async with start(
            SPEC,
            settings=ValidatorSettings(),
            transport=observed.bus.transport,
            catalog=catalog(),
            objects=objects,
        ):
            event = landed("jr-glacier")
            await observed.bus.publish(event)
            [verdict] = await observed.verdicts_for(event, 1)
            assert isinstance(verdict.detail, PipelineFailed)
            assert verdict.detail.code is PipeCode.VALIDATION_FAILED
            assert "cannot be read: InvalidObjectState" in verdict.detail.message
            assert await peek(observed.bus.transport, "validator") == []
