"""One validator replica for bench/validator_scale.py, in its own process until SIGTERM.

    python bench/validator_replica.py EXCHANGE QUEUE_PREFIX MOTO_ENDPOINT PINS_URL

The validator's composition root with the bench's invoice schema and contract in an in-memory
catalog, run pins in the shared database, the batch objects on a moto server's S3 and the bus on
RabbitMQ: the replicas of one run consume the same queue. Prints `ready` once it consumes.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from invoices import SCHEMA
from schemaline.contracts import (
    Component,
    Fqid,
    IntegrationMode,
    Layer,
    PipelineId,
    SchemaContract,
    Selector,
    StagePolicy,
    ValidationTiming,
)
from schemaline.runtime.logging import configure_logging
from schemaline.runtime.objectstore import S3ObjectStore
from schemaline.runtime.service import start
from schemaline.runtime.settings import BusSettings
from schemaline.validator.pins import open_pins
from schemaline.validator.ports import InMemoryCatalog
from schemaline.validator.settings import ValidatorSettings
from schemaline.validator.spec import SPEC

FQID = Fqid.parse("finance.gdp.invoice:v1.0")
PREFETCH = 4  # a replica holds only a few batches, so idle replicas get the rest


def bench_catalog(catalog: InMemoryCatalog) -> InMemoryCatalog:
    catalog.add(FQID, SCHEMA)
    catalog.contracts[("bench", Layer.GDP)] = SchemaContract(
        pipeline_id=PipelineId("bench"),
        layer=Layer.GDP,
        component=Component.GLUE,
        schema_selector=Selector.exact(FQID),
        integration_mode=IntegrationMode.IN_PROCESS,
        validation_timing=ValidationTiming.PRE_JOB,
        policy=StagePolicy(max_invalid_ratio=0.01),
    )
    return catalog


async def main(exchange: str, prefix: str, endpoint: str, pins_url: str) -> None:
    configure_logging("WARNING")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "bench")
    # The queue expires a minute after the last replica of a bench run stops consuming it.
    bus = BusSettings(
        transport="rabbitmq", exchange=exchange, queue_prefix=prefix, prefetch=PREFETCH, queue_expires_s=60
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with S3ObjectStore.connect(endpoint_url=endpoint) as store, open_pins(pins_url) as pins:
        catalog = bench_catalog(InMemoryCatalog(pins))
        settings = ValidatorSettings(bus=bus)
        async with start(SPEC, settings, engine=pins.engine, catalog=catalog, objects=store):
            print("ready", flush=True)
            await stop.wait()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
