"""A dataset's lineage laid out as a left-to-right graph the page draws as SVG (no script, no library).

Datasets and runs are nodes; a run's inputs point into it and its outputs out of it; a re-run points
back at the run it re-ran. Columns follow the longest path from the sources, so landing objects sit
left and KPI outputs right; within a column nodes sit near what feeds them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

NODE_W, NODE_H = 180, 46
COL_W, ROW_H = 222, 60
MARGIN = 20


@dataclass
class Node:
    key: str
    kind: Literal["run", "dataset"]
    label: str
    sub: str
    title: str
    href: str
    status: str | None = None
    focus: bool = False
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True)
class Edge:
    path: str
    kind: Literal["flow", "rerun"]


@dataclass
class Graph:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    width: int = 0
    height: int = 0


def _tail(text: str, keep: int = 30) -> str:
    return text if len(text) <= keep else "…" + text[-(keep - 1) :]


def _dataset(uri: str, focus: str) -> Node:
    """A dataset node; it is the focus when it is what was asked for, or under the prefix asked for."""
    path = uri.removeprefix("s3://")
    folder, _, name = path.rstrip("/").rpartition("/")
    return Node(
        key=f"d:{uri}",
        kind="dataset",
        label=_tail(name or path, 26),
        sub=_tail(folder, 28),
        title=uri,
        href=f"/lineage?uri={quote(uri, safe='')}",
        focus=uri.startswith(focus),
    )


def _run(run_id: str, summary: Mapping[str, Any] | None) -> Node:
    summary = summary or {}
    return Node(
        key=f"r:{run_id}",
        kind="run",
        label=_tail(str(summary.get("pipeline_id") or "run"), 26),
        sub=_tail(f"{run_id} · {summary.get('status', '?')}", 28),
        title=f"run {run_id}",
        href=f"/runs/{quote(run_id, safe='')}",
        status=summary.get("status"),
    )


def _layers(nodes: Mapping[str, Node], flows: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Longest path from a source, over the flow edges (a cycle, which lineage should not have, is cut)."""
    succ: dict[str, list[str]] = {key: [] for key in nodes}
    indegree = dict.fromkeys(nodes, 0)
    for a, b in flows:
        succ[a].append(b)
        indegree[b] += 1
    layer = dict.fromkeys(nodes, 0)
    ready = [key for key, n in indegree.items() if n == 0]
    while ready:
        key = ready.pop()
        for nxt in succ[key]:
            layer[nxt] = max(layer[nxt], layer[key] + 1)
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    return layer


def _curve(a: Node, b: Node) -> str:
    x1, y1 = a.x + NODE_W, a.y + NODE_H / 2
    x2, y2 = b.x, b.y + NODE_H / 2
    bend = max(40.0, (x2 - x1) / 2)
    return f"M{x1:.0f},{y1:.0f} C{x1 + bend:.0f},{y1:.0f} {x2 - bend:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"


def _back(a: Node, b: Node) -> str:
    """A re-run's link to its original: over the top, so it never hides the data flow."""
    x1, y1 = a.x + NODE_W / 2, a.y
    x2, y2 = b.x + NODE_W / 2, b.y
    top = min(y1, y2) - 30
    return f"M{x1:.0f},{y1:.0f} C{x1:.0f},{top:.0f} {x2:.0f},{top:.0f} {x2:.0f},{y2:.0f}"


def lineage_graph(dataset: str, lineage: Mapping[str, Any], runs: Mapping[str, Mapping[str, Any]]) -> Graph:
    """The graph of `lineage` (the lineage API's dataset answer); `runs` are run summaries by id."""
    nodes: dict[str, Node] = {}
    flows: set[tuple[str, str]] = set()
    for hop in [*lineage.get("upstream", []), *lineage.get("downstream", [])]:
        run = nodes.setdefault(f"r:{hop['run_id']}", _run(hop["run_id"], runs.get(hop["run_id"])))
        for uri in hop["inputs"]:
            flows.add((nodes.setdefault(f"d:{uri}", _dataset(uri, dataset)).key, run.key))
        for uri in hop["outputs"]:
            flows.add((run.key, nodes.setdefault(f"d:{uri}", _dataset(uri, dataset)).key))
    reruns = []
    for key, node in list(nodes.items()):
        original = (runs.get(key[2:]) or {}).get("rerun_of") if node.kind == "run" else None
        if original:
            target = nodes.setdefault(f"r:{original}", _run(original, runs.get(original)))
            reruns.append((key, target.key))
    layer = _layers(nodes, flows)
    columns: dict[int, list[Node]] = {}
    for key in sorted(nodes, key=lambda k: (layer[k], k)):
        columns.setdefault(layer[key], []).append(nodes[key])
    feeds: dict[str, list[str]] = {}
    for a, b in flows:
        feeds.setdefault(b, []).append(a)
    row: dict[str, float] = {}
    for number in sorted(columns):
        column = columns[number]
        # Near what feeds it: order by the mean row of its inputs, so edges cross less.
        column.sort(
            key=lambda n: sum(row[f] for f in feeds.get(n.key, [])) / max(1, len(feeds.get(n.key, [])))
        )
        for index, node in enumerate(column):
            row[node.key] = index
            node.x, node.y = MARGIN + number * COL_W, MARGIN + 30 + index * ROW_H
    graph = Graph(nodes=list(nodes.values()))
    graph.edges = [Edge(_curve(nodes[a], nodes[b]), "flow") for a, b in sorted(flows)]
    graph.edges += [Edge(_back(nodes[a], nodes[b]), "rerun") for a, b in reruns]
    graph.width = MARGIN * 2 + max(columns) * COL_W + NODE_W
    graph.height = MARGIN * 2 + 30 + max(len(c) for c in columns.values()) * ROW_H
    return graph
