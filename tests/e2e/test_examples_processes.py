"""Examples A and B with every service as its own process on RabbitMQ, PostgreSQL and moto S3;
with SCHEMALINE_E2E_IMAGE set, every service as its own container of that image (deploy/images/test.sh)."""

import asyncio
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from schemaline.governance.chain import verify
from schemaline.governance.ledger import read_entries, read_head
from schemaline.lineage_writer.sql_store import SqlLineageReader

from .examples import example_a, example_b
from .launchers import launcher_for
from .process_stack import process_stack

pytestmark = [pytest.mark.rabbitmq, pytest.mark.postgres, pytest.mark.moto, pytest.mark.slow]


def _spans(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _services_in_trace_of(spans: list[dict[str, Any]], message_id: str) -> set[str]:
    traces = {
        span["context"]["trace_id"]
        for span in spans
        if span["name"] == "publish BatchLanded"
        and span["attributes"].get("messaging.message.id") == message_id
    }
    assert len(traces) == 1, f"BatchLanded {message_id} was published in {len(traces)} traces"
    by_trace: dict[str, set[str]] = defaultdict(set)
    for span in spans:
        by_trace[span["context"]["trace_id"]].add(span["resource"]["attributes"]["service.name"])
    return by_trace[traces.pop()]


async def test_examples_a_and_b_across_processes(tmp_path: Path, moto_endpoint: str) -> None:
    async with process_stack(tmp_path, moto_endpoint, launcher_for(tmp_path)) as stack:
        lineage = SqlLineageReader(stack.lineage_engine)
        chain = await example_a(stack, lineage)
        await example_b(stack, lineage)
        await stack.settle()
        entries = [entry async for entry in read_entries(stack.governance_engine)]
        result = verify(entries, head=await read_head(stack.governance_engine))
        assert result.ok, result.render()
        assert len(entries) >= len(stack.events()) - 1
    await asyncio.sleep(0.5)  # the services flushed their spans at exit
    spans = _spans(stack.spans)
    for stage in chain.stages:
        services = _services_in_trace_of(spans, stage.event.id)
        assert {"pipelines", "validator", "lineage_writer", "governance", "drift_detector"} <= services, (
            f"the trace of run {stage.run_id} spans only {sorted(services)}"
        )
