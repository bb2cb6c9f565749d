"""The seed's five service levels judged from the lineage API's figures (`LineageClient.slo`).

One definition for `schemaline slo` and the alerts service: each level's value from the figures
(None when lineage has none), its target as the seed writes it, and whether the value meets it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Level:
    name: str
    target: str
    meets: Callable[[float], bool]
    value: Callable[[Mapping[str, Any]], float | None]


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, 3)


def _success(figures: Mapping[str, Any]) -> float | None:
    verdicts: dict[str, int] = figures["verdicts"]
    return _rate(verdicts.get("pass", 0), sum(verdicts.values()))


LEVELS = (
    Level("pipeline.validation_success_rate", "> 99 %", lambda v: v > 99, _success),
    Level("pipeline.drift_events", "0 / day", lambda v: v == 0, lambda f: f["verdicts"].get("drift", 0)),
    Level(
        "pipeline.runtime_validation_latency_ms",
        "P95 ≤ 500 ms",
        lambda v: v <= 500,
        lambda f: f["validation_ms_p95"],
    ),
    # A stage run's time in schema resolves (its `execution.resolve_ms`); the metric of that name
    # times each resolve in every process (docs/observability.md).
    Level(
        "schema.resolver_latency_ms",
        "P95 ≤ 200 ms",
        lambda v: v <= 200,
        lambda f: f["resolver_ms_p95"],
    ),
    Level("pipeline.failure_rate", "< 1 %", lambda v: v < 1, lambda f: _rate(f["failed_runs"], f["runs"])),
)


def judge(figures: Mapping[str, Any]) -> list[dict[str, Any]]:
    """`[{"name", "value", "target", "met"}]`, one per level; `met` is None without a value."""
    judged: list[dict[str, Any]] = []
    for level in LEVELS:
        value = level.value(figures)
        met = None if value is None else level.meets(value)
        judged.append({"name": level.name, "value": value, "target": level.target, "met": met})
    return judged
