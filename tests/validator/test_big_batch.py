"""A 100 MB batch streams from S3 through the validator under a memory bound."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from schemaline.contracts import BatchLanded, SchemaDriftDetected, new_envelope
from schemaline.runtime.bus import InMemoryTransport
from schemaline.runtime.handling import Emitter
from schemaline.runtime.objectstore import S3ObjectStore
from schemaline.runtime.service import start
from schemaline.validator.handler import on_batch_landed
from schemaline.validator.settings import ValidatorSettings
from schemaline.validator.spec import SPEC
from tests.support.invoices import invoice, jsonl
from tests.support.moto_server import DUMMY_AWS_ENV

from .conftest import V11, catalog

TARGET_BYTES = 100 * 1024 * 1024
MEMORY_BOUND = 48 * 1024 * 1024


@pytest.fixture(scope="module")
def moto_process() -> Iterator[str]:
    """A moto server in its own process, so its copy of the object is not counted as ours."""
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
        else:
            raise RuntimeError("moto_server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def batch_chunks(drift_every: int) -> Iterator[bytes]:
    """About 100 MB of invoices, every `drift_every`-th with an unexpected field."""
    written, n = 0, 0
    while written < TARGET_BYTES:
        records = [invoice(n + i) for i in range(2_000)]
        for i, record in enumerate(records):
            if (n + i) % drift_every == 0:
                record["invoice_region_code"] = "EU"
        chunk = jsonl(records)
        written += len(chunk)
        n += len(records)
        yield chunk


@pytest.mark.moto
@pytest.mark.slow
async def test_a_100mb_batch_is_streamed_under_a_memory_bound(
    moto_process: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in DUMMY_AWS_ENV.items():
        monkeypatch.setenv(name, value)
    uri = "s3://warehouse/gdp/invoice/big.jsonl"
    async with S3ObjectStore.connect(endpoint_url=moto_process) as store:
        await store.ensure_bucket("warehouse")
        info = await store.put_stream(uri, batch_chunks(drift_every=1_000))
        assert info.size >= TARGET_BYTES
        transport = InMemoryTransport()
        landed = BatchLanded.model_validate(
            {
                "pipeline_id": "finance_gdp_transform",
                "run_id": "jr-big",
                "layer": "gdp",
                "declared_fqid": str(V11),
                "object_uri": uri,
            }
        )
        async with start(
            SPEC, ValidatorSettings(), transport=transport, catalog=catalog(), objects=store
        ) as running:
            tracemalloc.start()
            try:
                out = Emitter(new_envelope(landed, source="test"), "validator")
                await on_batch_landed(out.cause, running.deps, out)
                _current, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
        [verdict] = out.emitted
        event = verdict.detail
        assert isinstance(event, SchemaDriftDetected)
        assert event.record_count > 170_000
        assert event.drifted_count == -(-event.record_count // 1_000)
        assert peak < MEMORY_BOUND, f"peak {peak / 2**20:.1f} MiB for a {info.size / 2**20:.0f} MiB batch"
        quarantine = await store.get_bytes(str(event.quarantine_uri))
        assert len(quarantine.splitlines()) == event.drifted_count
