"""Small SVG pictures drawn from numbers: a run timeline on a shared time axis, hourly verdict bars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

WIDTH = 640


def parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    label: str
    css: str


def timeline(spans: Sequence[tuple[str, datetime | None, datetime | None, str]]) -> list[Bar]:
    """(label, start, end, css class) → bars on one axis from the earliest start to the latest end."""
    known = [(s, e or s) for _, s, e, _ in spans if s is not None]
    if not known:
        return []
    first = min(s for s, _ in known)
    last = max(e for _, e in known)
    total = max((last - first).total_seconds(), 1e-3)
    bars = []
    for label, start, end, css in spans:
        if start is None:
            continue
        x = (start - first).total_seconds() / total * WIDTH
        width = ((end or start) - start).total_seconds() / total * WIDTH
        bars.append(Bar(round(x, 1), round(max(width, 3.0), 1), label, css))
    return bars


@dataclass(frozen=True)
class Column:
    x: float
    label: str
    segments: list[tuple[float, float, str, int]]  # y, height, css class, count


GROUPS = {"pass": "pass", "drift": "drift"}  # anything else is a failure of some kind


def hourly_bars(hours: Sequence[Mapping[str, Any]], height: float = 120.0) -> list[Column]:
    """Stacked bars per hour: passes, drifts, failures (fail, blocked, error)."""
    totals = [sum(hour["counts"].values()) for hour in hours]
    top = max([*totals, 1])
    step = WIDTH / max(len(hours), 1)
    columns = []
    for index, hour in enumerate(hours):
        grouped: dict[str, int] = {}
        for result, count in hour["counts"].items():
            grouped[GROUPS.get(result, "failed")] = grouped.get(GROUPS.get(result, "failed"), 0) + count
        y = height
        segments = []
        for css in ("pass", "drift", "failed"):
            count = grouped.get(css, 0)
            if count:
                h = count / top * height
                y -= h
                segments.append((round(y, 1), round(h, 1), css, count))
        columns.append(Column(round(index * step, 1), str(hour["start"])[11:16], segments))
    return columns
