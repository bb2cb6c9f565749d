"""Lineage: a dataset's upstream and downstream as a picture, every node a link to follow."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from schemaline.console.graph import NODE_H, NODE_W, lineage_graph
from schemaline.console.web import Viewer, console, render

router = APIRouter(prefix="/lineage")
DEPTH = 10


@router.get("")
async def lineage(request: Request, operator: Viewer, uri: str = "") -> Response:
    uri = uri.strip()
    if not uri:
        return render(request, "lineage.html", operator, uri="", graph=None, lineage=None)
    async with console(request).upstreams.lineage(operator.token) as client:
        found = await client.dataset(uri, DEPTH)
        hops = [*found["upstream"], *found["downstream"]]
        run_ids = sorted({hop["run_id"] for hop in hops})
        runs = {}
        if run_ids:
            page = await client.recent_runs(run_ids=run_ids, limit=500)
            runs = {run["run_id"]: run for run in page["runs"]}
            originals = sorted({r["rerun_of"] for r in runs.values() if r["rerun_of"]} - set(runs))
            if originals:
                more = await client.recent_runs(run_ids=originals, limit=500)
                runs |= {run["run_id"]: run for run in more["runs"]}
    graph = lineage_graph(uri, found, runs) if hops else None
    return render(
        request, "lineage.html", operator, uri=uri, graph=graph, lineage=found, node_w=NODE_W, node_h=NODE_H
    )
