"""Consumer memory: RSS of every consuming service, each as the real service in this process
(in-process bus, SQLite), after 20,000 and after 200,000 new events. Idempotency lives in their
databases and every in-process cache is bounded, so the two should be within a few percent.

What each is fed: the lineage writer and governance BatchLanded; the validator BatchLanded of a
10-record batch (validated, pinned, a verdict out); the drift detector SchemaValidated (a run pinned
to its version); the registry SchemaApproved (each for a proposal it does not hold: the lock, the
lookup, the processed mark); the alerts service PipelineFailed (an incident and a delivery each).

Usage: .venv/bin/python bench/consumer_rss.py [--quick] [--service NAME]   (--quick: 2,000 and 20,000)
Last line: {"lineage_writer": {"rss_mb_at_20k": …, "rss_mb_at_200k": …, "growth_pct": …}, …} (each service)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from invoices import SCHEMA, jsonl
from schemaline.alerts.settings import AlertsSettings
from schemaline.alerts.spec import SPEC as ALERTS
from schemaline.alerts.store import Notice
from schemaline.contracts import (
    BatchLanded,
    EventDetail,
    Fqid,
    PipeCode,
    PipelineFailed,
    SchemaApproved,
    SchemaValidated,
    encode,
    new_envelope,
)
from schemaline.drift_detector.ports import InMemorySchemas
from schemaline.drift_detector.settings import DriftSettings
from schemaline.drift_detector.spec import SPEC as DRIFT
from schemaline.governance.settings import GovernanceSettings
from schemaline.governance.spec import SPEC as GOVERNANCE
from schemaline.lineage_writer.settings import LineageSettings
from schemaline.lineage_writer.spec import SPEC as LINEAGE
from schemaline.registry.settings import RegistrySettings
from schemaline.registry.spec import SPEC as REGISTRY
from schemaline.runtime.bus import InMemoryTransport, OutgoingMessage
from schemaline.runtime.db import create_engine
from schemaline.runtime.logging import configure_logging
from schemaline.runtime.objectstore import LocalFolderStore
from schemaline.runtime.service import ServiceSpec, start
from schemaline.runtime.settings import BusSettings, DatabaseSettings
from schemaline.validator.pins import SqlPins
from schemaline.validator.ports import InMemoryCatalog
from schemaline.validator.settings import ValidatorSettings
from schemaline.validator.spec import SPEC as VALIDATOR

CHUNK = 1000
PAGE = os.sysconf("SC_PAGE_SIZE")
# On tmpfs where there is one: the bench measures memory, not the disk's fsync.
SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") else None


def rss_mb() -> float:
    gc.collect()
    resident = int(Path("/proc/self/statm").read_text().split()[1])
    return resident * PAGE / 1e6


FQID = Fqid.parse("finance.gdp.invoice:v1.0")
BATCH = "s3://warehouse/gdp/invoice/bench.jsonl"


def landed(tag: str, n: int) -> EventDetail:
    return BatchLanded.model_validate(
        {
            "pipeline_id": "finance_raw_ingest",
            "run_id": f"jr-{tag}-{n:07d}",
            "layer": "raw",
            "object_uri": f"s3://warehouse/raw/{tag}/{n}.jsonl",
            "record_count": 10,
        }
    )


def batch(tag: str, n: int) -> EventDetail:
    return BatchLanded.model_validate(
        {
            "pipeline_id": "finance_gdp_transform",
            "run_id": f"jr-{tag}-{n:07d}",
            "layer": "gdp",
            "declared_fqid": str(FQID),
            "object_uri": BATCH,
            "record_count": 10,
        }
    )


def validated(tag: str, n: int) -> EventDetail:
    return SchemaValidated.model_validate(
        {
            "pipeline_id": "finance_gdp_transform",
            "run_id": f"jr-{tag}-{n:07d}",
            "layer": "gdp",
            "schema_fqid": str(FQID),
            "object_uri": BATCH,
            "record_count": 10,
            "valid_count": 10,
            "validation_ms": 1.0,
        }
    )


def approved(tag: str, n: int) -> EventDetail:
    return SchemaApproved.model_validate(
        {
            "proposal_id": f"prop-{tag}-{n:07d}",
            "subject": f"finance.gdp.invoice{n % 100}",
            "proposed_fqid": f"finance.gdp.invoice{n % 100}:v1.0",
            "approved_by": "bench",
            "reason": "bench",
        }
    )


def failed(tag: str, n: int) -> EventDetail:
    return PipelineFailed.model_validate(
        {
            "pipeline_id": "finance_gdp_transform",
            "run_id": f"jr-{tag}-{n:07d}",
            "code": PipeCode.VALIDATION_FAILED,
            "message": "bench",
            "component": "validator",
        }
    )


class Discard:
    """An alerts channel that takes every notice (the bench measures the service, not a webhook)."""

    name = "discard"

    async def send(self, notice: Notice) -> None:
        return None


Parts = Callable[[Any, Path], contextlib.AbstractAsyncContextManager[dict[str, Any]]]


@contextlib.asynccontextmanager
async def no_parts(_database: Any, _folder: Path) -> AsyncIterator[dict[str, Any]]:
    yield {}


@contextlib.asynccontextmanager
async def validator_parts(database: DatabaseSettings, folder: Path) -> AsyncIterator[dict[str, Any]]:
    """A catalog with the schema (run pins in the service's database) and the batch in a folder."""
    engine = create_engine(database.url.get_secret_value())
    catalog = InMemoryCatalog(pins=SqlPins(engine))
    catalog.add(FQID, SCHEMA)
    objects = LocalFolderStore(folder / "objects")
    await objects.put_bytes(BATCH, jsonl(10))
    try:
        yield {"engine": engine, "catalog": catalog, "objects": objects}
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def drift_parts(_database: Any, folder: Path) -> AsyncIterator[dict[str, Any]]:
    yield {"schemas": InMemorySchemas({FQID: {"type": "object"}}), "objects": LocalFolderStore(folder)}


@contextlib.asynccontextmanager
async def alerts_parts(_database: Any, _folder: Path) -> AsyncIterator[dict[str, Any]]:
    yield {"channels": {"discard": Discard()}}


@dataclass(frozen=True)
class Workload:
    spec: ServiceSpec[Any, Any]
    settings: Any
    event: Callable[[str, int], EventDetail]
    parts: Parts = no_parts
    # Governance appends to one hash chain: a transaction at a time (SQLite would lock otherwise).
    concurrency: int = 64


WORKLOADS = {
    "lineage_writer": Workload(LINEAGE, LineageSettings, landed),
    "governance": Workload(GOVERNANCE, GovernanceSettings, landed, concurrency=1),
    "validator": Workload(VALIDATOR, ValidatorSettings, batch, validator_parts),
    "drift_detector": Workload(DRIFT, DriftSettings, validated, drift_parts, concurrency=1),
    "registry": Workload(REGISTRY, RegistrySettings, approved, concurrency=1),
    "alerts": Workload(ALERTS, AlertsSettings, failed, alerts_parts, concurrency=1),
}


def chunk(workload: Workload, tag: str, start: int) -> list[OutgoingMessage]:
    messages = []
    for n in range(start, start + CHUNK):
        envelope = new_envelope(workload.event(tag, n), source="bench")
        messages.append(OutgoingMessage(envelope.detail_type, encode(envelope), envelope.id))
    return messages


async def feed(transport: InMemoryTransport, workload: Workload, tag: str, start: int, stop: int) -> None:
    for first in range(start, stop, CHUNK):
        await transport.publish(chunk(workload, tag, first))
        while not transport.idle():  # noqa: ASYNC110 - the in-process bus has no "drained" event
            await asyncio.sleep(0.005)
        transport.published.clear()  # the bench's own record of what it sent, not the service's


async def measure(workload: Workload, first: int, second: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(dir=SCRATCH) as scratch:
        folder = Path(scratch)
        database = DatabaseSettings(url=SecretStr(f"sqlite+aiosqlite:///{folder}/bench.db"))
        bus = BusSettings(concurrency=workload.concurrency, prefetch=64)
        settings = workload.settings(bus=bus, database=database)
        transport = InMemoryTransport()
        tag = uuid.uuid4().hex[:6]
        async with (
            workload.parts(database, folder) as parts,
            start(workload.spec, settings, transport=transport, **parts),
        ):
            await feed(transport, workload, tag, 0, first)
            at_first = rss_mb()
            await feed(transport, workload, tag, first, second)
            at_second = rss_mb()
    return {
        "rss_mb_at_20k" if first == 20_000 else f"rss_mb_at_{first}": round(at_first, 1),
        "rss_mb_at_200k" if second == 200_000 else f"rss_mb_at_{second}": round(at_second, 1),
        "growth_pct": round(100 * (at_second - at_first) / at_first, 1),
    }


async def main(quick: bool, only: str | None = None) -> dict[str, Any]:
    configure_logging("WARNING", json_logs=True)  # a log line per event would be most of the work
    first, second = (2_000, 20_000) if quick else (20_000, 200_000)
    figures = {}
    for name, workload in WORKLOADS.items():
        if only is not None and name != only:
            continue
        figures[name] = await measure(workload, first, second)
        print(name, figures[name], flush=True)
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--service", choices=sorted(WORKLOADS), help="only this one")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.quick, args.service))))
