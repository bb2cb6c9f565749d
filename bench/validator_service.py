"""The validator service end to end: a 10k-record batch from S3 (a moto server in its own process)
to the verdict event on the bus. Used by validate_throughput.py for `batch10k_p95_ms`."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from schemaline.contracts import (
    BatchLanded,
    Component,
    Envelope,
    Fqid,
    IntegrationMode,
    Layer,
    PipelineId,
    SchemaContract,
    Selector,
    StagePolicy,
    ValidationTiming,
    new_envelope,
)
from schemaline.runtime.bus import EventBus, InMemoryTransport
from schemaline.runtime.logging import configure_logging
from schemaline.runtime.objectstore import S3ObjectStore
from schemaline.runtime.service import start
from schemaline.validator.ports import InMemoryCatalog
from schemaline.validator.settings import ValidatorSettings
from schemaline.validator.spec import SPEC

FQID = Fqid.parse("finance.gdp.invoice:v1.0")
VERDICTS = ["SchemaValidated", "SchemaDriftDetected", "PipelineFailed"]


@contextlib.contextmanager
def moto_server() -> Any:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


@contextlib.asynccontextmanager
async def _store(endpoint: str) -> AsyncIterator[S3ObjectStore]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "bench")
    async with S3ObjectStore.connect(endpoint_url=endpoint) as store:
        await store.ensure_bucket("warehouse")
        yield store


async def batch_p95_ms(schema: dict[str, Any], batch: bytes, batches: int) -> float:
    """P95 milliseconds from BatchLanded published to the verdict event received."""
    configure_logging("WARNING")
    with moto_server() as endpoint:
        async with _store(endpoint) as store:
            uri = "s3://warehouse/bench/batch-10k.jsonl"
            await store.put_bytes(uri, batch)
            catalog = InMemoryCatalog()
            catalog.add(FQID, schema)
            catalog.contracts[("bench", Layer.GDP)] = SchemaContract(
                pipeline_id=PipelineId("bench"),
                layer=Layer.GDP,
                component=Component.GLUE,
                schema_selector=Selector.exact(FQID),
                integration_mode=IntegrationMode.IN_PROCESS,
                validation_timing=ValidationTiming.PRE_JOB,
                policy=StagePolicy(max_invalid_ratio=0.01),
            )
            transport = InMemoryTransport()
            waiting: dict[str, asyncio.Future[None]] = {}
            observer = EventBus(transport)

            async def verdict(envelope: Envelope[Any]) -> None:
                future = waiting.pop(str(envelope.detail.meta.causation_id), None)
                if future is not None:
                    future.set_result(None)

            observer.subscribe("bench", VERDICTS, verdict)
            await observer.start()
            timings: list[float] = []
            async with start(
                SPEC, ValidatorSettings(), transport=transport, catalog=catalog, objects=store
            ) as service:
                for n in range(batches + 1):
                    landed = new_envelope(
                        BatchLanded.model_validate(
                            {
                                "pipeline_id": "bench",
                                "run_id": f"jr-bench-{n}",
                                "layer": "gdp",
                                "declared_fqid": str(FQID),
                                "object_uri": uri,
                            }
                        ),
                        source="bench",
                    )
                    done = waiting[landed.id] = asyncio.get_running_loop().create_future()
                    started = time.perf_counter()
                    await service.bus.publish(landed)
                    await asyncio.wait_for(done, 60)
                    if n:  # the first batch warms the compiled-validator cache
                        timings.append((time.perf_counter() - started) * 1000)
            await observer.close()
    return statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else timings[0]
