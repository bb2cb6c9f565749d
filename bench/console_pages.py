"""Console page render times at scale: 1,000 runs and 100 open drift cases (plus Example B's real one).

The embedded stack runs every service and the console; Example B runs up to its open drift case (so
the case, patch and proposal pages show real data); 1,000 synthetic runs are written through the
lineage writer's own sink and 100 more drift cases opened by SchemaDriftDetected events on the bus.
The console is then served by uvicorn on a loopback port and each page is fetched, signed in as an
approver, with a real HTTP client: the time is a whole request (the console's calls to the services'
APIs included). Measured, never asserted.

Usage: .venv/bin/python bench/console_pages.py [--quick]
Last line: {"pages": {name: {"median_ms", "p95_ms"}}, "runs": …, "open_cases": …, "worst_p95_ms": …}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from schemaline.cli.scenarios import detect_drift_b, seed_registry
from schemaline.cli.stack import EmbeddedStack, embedded_stack
from schemaline.contracts import (
    BatchLanded,
    Envelope,
    Layer,
    PipelineFailed,
    SchemaDriftDetected,
    SchemaValidated,
    new_envelope,
)
from schemaline.lineage_writer.rows import to_rows
from schemaline.lineage_writer.sql_store import SqlLineageSink
from schemaline.runtime.logging import configure_logging
from schemaline.runtime.settings import Role

RUNS = 1_000
CASES = 100
PIPELINES = (
    "finance_invoice_extractor",
    "finance_raw_ingest",
    "finance_gdp_transform",
    "finance_kpi_aggregation",
)
LAYERS = ("extractor", "raw", "gdp", "kpi")


def _runs(count: int, now: datetime) -> list[Envelope[Any]]:
    """Landed + verdict per run over the last 24 h: 90 % pass, 5 % drift, 5 % failed."""
    events: list[Envelope[Any]] = []
    for n in range(count):
        stage = n % 4
        run, layer = f"jr-bench-{n:05d}", LAYERS[stage]
        common = {"pipeline_id": PIPELINES[stage], "run_id": run, "layer": layer}
        uri = f"s3://warehouse/{layer}/invoice/{run}/part-00000.jsonl"
        fqid = f"finance.{layer if layer != 'kpi' else 'kpi'}.invoice:v1.0"
        at = now - timedelta(seconds=86_000 * (count - n) / count)
        landed = BatchLanded.model_validate(
            common | {"declared_fqid": fqid, "object_uri": uri, "record_count": 500}
        )
        if n % 20 == 7:
            verdict: Any = SchemaDriftDetected.model_validate(
                common
                | {
                    "schema_fqid": fqid,
                    "fields": [{"pointer": "/region", "kind": "unexpected_field", "records": 3}],
                    "object_uri": uri,
                    "record_count": 500,
                    "drifted_count": 3,
                    "quarantine_uri": f"s3://warehouse/quarantine/{run}.jsonl",
                }
            )
        elif n % 20 == 13:
            verdict = PipelineFailed.model_validate(
                common
                | {"code": "PIPE-1002", "message": "bad amounts", "component": "validator", "object_uri": uri}
            )
        else:
            verdict = SchemaValidated.model_validate(
                common
                | {
                    "schema_fqid": fqid,
                    "object_uri": uri,
                    "record_count": 500,
                    "valid_count": 500,
                    "validation_ms": 2.0,
                }
            )
        events.append(new_envelope(landed, source="bench").model_copy(update={"time": at}))
        verdict_at = at + timedelta(milliseconds=40)
        events.append(new_envelope(verdict, source="bench").model_copy(update={"time": verdict_at}))
    return events


def _cases(count: int) -> list[Envelope[Any]]:
    """Drift detections with distinct drifted fields: each opens its own case."""
    events = []
    for n in range(count):
        detail = SchemaDriftDetected.model_validate(
            {
                "pipeline_id": "finance_gdp_transform",
                "run_id": f"jr-drift-{n:04d}",
                "layer": "gdp",
                "schema_fqid": "finance.gdp.invoice:v1.1",
                "fields": [{"pointer": f"/bench_field_{n}", "kind": "unexpected_field", "records": 2}],
                "object_uri": f"s3://warehouse/gdp/invoice/jr-drift-{n:04d}/part-00000.jsonl",
                "record_count": 100,
                "drifted_count": 2,
                "quarantine_uri": f"s3://warehouse/quarantine/jr-drift-{n:04d}.jsonl",
            }
        )
        events.append(new_envelope(detail, source="bench"))
    return events


async def _seed(stack: EmbeddedStack) -> tuple[str, str, str]:
    await seed_registry(stack, lambda _text: None)
    chain, case = await detect_drift_b(stack, lambda _text: None)
    proposal = await stack.drift.propose(case.case_id)  # a real proposal for the approval page
    await SqlLineageSink(stack.engine("lineage_writer")).insert_batch(
        [to_rows(e) for e in _runs(RUNS, datetime.now(UTC))]
    )
    await stack.bus().publish_many(_cases(CASES))
    await stack.settle(within_s=120)
    kpi = chain.stage(Layer.KPI).output_uri or ""
    return case.case_id, str(proposal["submitted"]["proposal"]["id"]), kpi


async def _sign_in(client: httpx.AsyncClient, token: str) -> None:
    form = (await client.get("/login")).text
    nonce = re.search(r'name="nonce" value="([^"]*)"', form)
    assert nonce is not None
    answer = await client.post("/login", data={"nonce": nonce.group(1), "token": token, "next": "/"})
    assert answer.status_code == 303, answer.text[:300]


async def _measure(client: httpx.AsyncClient, path: str, repeats: int) -> list[float]:
    await client.get(path)  # warm: templates compiled, connections open
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        answer = await client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"{path} answered {answer.status_code}: {answer.text[:300]}")
    return times


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def main(quick: bool) -> dict[str, Any]:
    repeats = 8 if quick else 40
    with tempfile.TemporaryDirectory() as folder:
        async with embedded_stack(Path(folder)) as stack:
            case_id, proposal_id, kpi = await _seed(stack)
            open_cases = sum(1 for case in await stack.drift.cases() if case["state"] != "resolved")
            runs = (await stack.lineage_api.recent_runs(limit=1))["total"]
            server = uvicorn.Server(
                uvicorn.Config(
                    stack.console.app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"
                )
            )
            task = asyncio.create_task(server.serve())
            while not server.started:  # noqa: ASYNC110 - uvicorn only sets a flag
                await asyncio.sleep(0.02)
            port = server.servers[0].sockets[0].getsockname()[1]
            pages = {
                "health": "/health",
                "runs": "/runs",
                "runs_page_20": "/runs?page=20",
                "runs_failed": "/runs?status=failed",
                "run": "/runs/jr-bench-00500",
                "lineage_kpi": f"/lineage?uri={kpi}",
                "drift_cases": "/drift",
                "drift_cases_page_4": "/drift?page=4",
                "drift_case": f"/drift/{case_id}",
                "drift_patch": f"/drift/{case_id}/patch",
                "approvals": "/approvals?status=all",
                "approval": f"/approvals/{proposal_id}",
            }
            figures: dict[str, dict[str, float]] = {}
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                await _sign_in(client, stack.tokens[Role.APPROVER])
                for name, path in pages.items():
                    times = await _measure(client, path, repeats)
                    figures[name] = {
                        "median_ms": round(statistics.median(times), 1),
                        "p95_ms": round(_p95(times), 1),
                    }
                    print(
                        f"{name:<20} {path[:60]:<62} median {figures[name]['median_ms']:>7.1f} ms   "
                        f"P95 {figures[name]['p95_ms']:>7.1f} ms"
                    )
            server.should_exit = True
            await task
    return {
        "pages": figures,
        "runs": runs,
        "open_cases": open_cases,
        "repeats": repeats,
        "worst_p95_ms": max(f["p95_ms"] for f in figures.values()),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions per page (same data)")
    args = parser.parse_args()
    configure_logging("WARNING", json_logs=False)
    result = asyncio.run(main(args.quick))
    print(json.dumps(result))
