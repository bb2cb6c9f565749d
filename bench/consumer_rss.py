"""Consumer memory: RSS of the lineage writer and governance, each as the real service in this process
(in-process bus, SQLite), after 20,000 and after 200,000 new events. Idempotency lives in their
databases and the consumer's `RecentIds` cache is bounded, so the two should be within a few percent.

Usage: .venv/bin/python bench/consumer_rss.py [--quick]   (--quick: 2,000 and 20,000 events)
Last line: {"lineage_writer": {"rss_mb_at_20k": …, "rss_mb_at_200k": …, "growth_pct": …}, "governance": {…}}
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from schemaline.contracts import BatchLanded, encode, new_envelope
from schemaline.governance.settings import GovernanceSettings
from schemaline.governance.spec import SPEC as GOVERNANCE
from schemaline.lineage_writer.settings import LineageSettings
from schemaline.lineage_writer.spec import SPEC as LINEAGE
from schemaline.runtime.bus import InMemoryTransport, OutgoingMessage
from schemaline.runtime.service import ServiceSpec, start
from schemaline.runtime.settings import BusSettings, DatabaseSettings

CHUNK = 1000
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    gc.collect()
    resident = int(Path("/proc/self/statm").read_text().split()[1])
    return resident * PAGE / 1e6


def chunk(tag: str, start: int) -> list[OutgoingMessage]:
    messages = []
    for n in range(start, start + CHUNK):
        detail = BatchLanded.model_validate(
            {
                "pipeline_id": "finance_raw_ingest",
                "run_id": f"jr-{tag}-{n:07d}",
                "layer": "raw",
                "object_uri": f"s3://warehouse/raw/{tag}/{n}.jsonl",
                "record_count": 10,
            }
        )
        envelope = new_envelope(detail, source="bench")
        messages.append(OutgoingMessage(envelope.detail_type, encode(envelope), envelope.id))
    return messages


async def feed(transport: InMemoryTransport, tag: str, start: int, stop: int) -> None:
    for first in range(start, stop, CHUNK):
        await transport.publish(chunk(tag, first))
        while not transport.idle():  # noqa: ASYNC110 - the in-process bus has no "drained" event
            await asyncio.sleep(0.005)
        transport.published.clear()  # the bench's own record of what it sent, not the service's


async def measure(
    spec: ServiceSpec[Any, Any], settings_type: Any, first: int, second: int
) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        database = DatabaseSettings(url=SecretStr(f"sqlite+aiosqlite:///{folder}/bench.db"))
        settings = settings_type(bus=BusSettings(concurrency=64, prefetch=64), database=database)
        transport = InMemoryTransport()
        tag = uuid.uuid4().hex[:6]
        async with start(spec, settings, transport=transport):
            await feed(transport, tag, 0, first)
            at_first = rss_mb()
            await feed(transport, tag, first, second)
            at_second = rss_mb()
    return {
        "rss_mb_at_20k" if first == 20_000 else f"rss_mb_at_{first}": round(at_first, 1),
        "rss_mb_at_200k" if second == 200_000 else f"rss_mb_at_{second}": round(at_second, 1),
        "growth_pct": round(100 * (at_second - at_first) / at_first, 1),
    }


async def main(quick: bool) -> dict[str, Any]:
    first, second = (2_000, 20_000) if quick else (20_000, 200_000)
    figures = {}
    for name, spec, settings_type in (
        ("lineage_writer", LINEAGE, LineageSettings),
        ("governance", GOVERNANCE, GovernanceSettings),
    ):
        figures[name] = await measure(spec, settings_type, first, second)
        print(name, figures[name], flush=True)
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    print(json.dumps(asyncio.run(main(parser.parse_args().quick))))
