"""Health at a glance: what the APIs can tell of the seed's five metrics, against their targets."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from schemaline.console.charts import hourly_bars
from schemaline.console.web import Viewer, console, render

router = APIRouter()
FAILURES = ("fail", "blocked", "error")


@dataclass(frozen=True)
class Metric:
    name: str
    target: str
    value: str | None  # None: no API gives it yet
    met: bool | None
    source: str


@router.get("/health")
async def health(request: Request, operator: Viewer) -> Response:
    upstreams = console(request).upstreams
    async with upstreams.lineage(operator.token) as lineage:
        stats = await lineage.stats(24)
        slo = await lineage.slo(None, None)
    async with upstreams.drift(operator.token) as drift:
        cases = await drift.cases()
    async with upstreams.governance(operator.token) as governance:
        pending = await governance.proposals("pending")
    counts: dict[str, int] = stats["counts"]
    verdicts = sum(counts.values())
    passed, drifted = counts.get("pass", 0), counts.get("drift", 0)
    failed = sum(counts.get(kind, 0) for kind in FAILURES)
    rate = None if verdicts == 0 else 100.0 * passed / verdicts
    failure = None if verdicts == 0 else 100.0 * failed / verdicts
    p95, resolver_p95 = slo["validation_ms_p95"], slo["resolver_ms_p95"]
    metrics = [
        Metric(
            "pipeline.validation_success_rate",
            "> 99 %",
            None if rate is None else f"{rate:.1f} %",
            None if rate is None else rate > 99,
            "lineage: verdicts of the last 24 h",
        ),
        Metric(
            "pipeline.drift_events",
            "0 / day",
            str(drifted),
            drifted == 0,
            "lineage: drift verdicts, last 24 h",
        ),
        Metric(
            "pipeline.runtime_validation_latency_ms",
            "P95 ≤ 500 ms",
            None if p95 is None else f"{p95:.1f} ms",
            None if p95 is None else p95 <= 500,
            "lineage: the validator's time per passed batch, last 24 h",
        ),
        Metric(
            "schema.resolver_latency_ms",
            "P95 ≤ 200 ms",
            None if resolver_p95 is None else f"{resolver_p95:.1f} ms",
            None if resolver_p95 is None else resolver_p95 <= 200,
            "lineage: a stage run's time in schema resolves, last 24 h",
        ),
        Metric(
            "pipeline.failure_rate",
            "< 1 %",
            None if failure is None else f"{failure:.1f} %",
            None if failure is None else failure < 1,
            "lineage: failed verdicts / verdicts, last 24 h",
        ),
    ]
    return render(
        request,
        "health.html",
        operator,
        metrics=metrics,
        stats=stats,
        verdicts=verdicts,
        columns=hourly_bars(stats["hours"]),
        open_cases=sum(1 for case in cases if case["state"] != "resolved"),
        pending=len(pending),
    )
