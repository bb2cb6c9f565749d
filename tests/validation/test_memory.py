"""Streaming a large batch keeps memory bounded by the chunk size and the rejects, not the input."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator

import orjson

from schemaline.sdk.validation import RejectedRecord, ValidationEngine
from tests.validation.invoices import INVOICE_SCHEMA, invoice

CHUNK = 256 * 1024


def stream(records: int, every_bad: int) -> Iterator[bytes]:
    """JSON Lines generated on the fly in ~256 KiB chunks; every `every_bad`-th record is invalid."""
    template = [orjson.dumps(invoice(i)) for i in range(50)]
    bad = orjson.dumps(invoice(0) | {"total": -1})
    buffer = bytearray()
    for i in range(records):
        buffer += (bad if i % every_bad == every_bad - 1 else template[i % 50]) + b"\n"
        if len(buffer) >= CHUNK:
            yield bytes(buffer)
            buffer.clear()
    yield bytes(buffer)


def test_peak_memory_stays_far_below_the_input_size() -> None:
    records = 60_000
    input_size = sum(len(chunk) for chunk in stream(records, every_bad=1000))
    engine = ValidationEngine()
    engine.compile(INVOICE_SCHEMA)
    tracemalloc.start()
    try:
        result = engine.validate_lines(stream(records, every_bad=1000), INVOICE_SCHEMA)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.counts.total == records
    assert len(result.rejected) == records // 1000
    assert input_size > 30_000_000
    assert peak < input_size / 10, f"peak {peak:,} bytes for {input_size:,} bytes of input"


def sink_peak(records: int) -> int:
    engine = ValidationEngine()
    engine.compile(INVOICE_SCHEMA)
    written = 0

    def sink(rejected: RejectedRecord) -> None:
        nonlocal written
        written += 1

    tracemalloc.start()
    try:
        result = engine.validate_lines(stream(records, every_bad=2), INVOICE_SCHEMA, sink=sink)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written == result.counts.invalid == records // 2
    assert result.rejected == ()
    return peak


def test_with_a_sink_memory_does_not_grow_with_the_rejects() -> None:
    small, large = sink_peak(6_000), sink_peak(24_000)
    assert large < small * 1.3, f"peak {large:,} bytes for 12,000 rejects, {small:,} for 3,000"
