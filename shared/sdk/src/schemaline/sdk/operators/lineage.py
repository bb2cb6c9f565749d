"""The lineage API: a run's trace, a dataset's lineage, a pipeline's runs, OpenLineage export, redrive."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from schemaline.sdk.operators.base import ServiceClient


def _window(since: str | None, until: str | None) -> dict[str, Any]:
    return {key: value for key, value in (("since", since), ("until", until)) if value}


class LineageClient(ServiceClient):
    service = "lineage writer"

    async def run(self, run_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", f"/lineage/runs/{quote(run_id, safe='')}")
        return result

    async def dataset(self, uri: str, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "GET", "/lineage/datasets", params={"uri": uri, "depth": depth}
        )
        return result

    async def runs(self, pipeline_id: str, since: str | None, until: str | None) -> list[dict[str, Any]]:
        path = f"/lineage/pipelines/{quote(pipeline_id, safe='')}/runs"
        result: list[dict[str, Any]] = await self.call("GET", path, params=_window(since, until))
        return result

    async def recent_runs(
        self,
        *,
        pipeline_id: str | None = None,
        status: str | None = None,
        run_ids: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> dict[str, Any]:
        """One page of runs across pipelines, newest activity first: `{"total", "runs"}`."""
        filters = {"pipeline_id": pipeline_id, "status": status, "run_id": run_ids}
        params = {"limit": limit, "offset": offset, **_window(since, until)}
        params |= {key: value for key, value in filters.items() if value}
        result: dict[str, Any] = await self.call("GET", "/lineage/runs", params=params)
        return result

    async def stats(self, hours: int = 24) -> dict[str, Any]:
        """Verdict events by validation result over the last `hours`, in all and per hour."""
        result: dict[str, Any] = await self.call("GET", "/lineage/stats", params={"hours": hours})
        return result

    async def slo(self, since: str | None, until: str | None) -> dict[str, Any]:
        """What lineage records of the seed's service levels in [since, until) (default: last 24 h)."""
        result: dict[str, Any] = await self.call("GET", "/lineage/slo", params=_window(since, until))
        return result

    async def export(
        self, run_ids: list[str], pipeline_id: str | None, since: str | None, until: str | None
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"run_id": run_ids, **_window(since, until)}
        if pipeline_id:
            params["pipeline_id"] = pipeline_id
        result: list[dict[str, Any]] = await self.call("GET", "/lineage/openlineage", params=params)
        return result

    async def rerun(self, run_id: str, fqid: str) -> dict[str, Any]:
        """Ask for a stage run to run again under `fqid` (a publisher): the re-run's id and what it reads."""
        path = f"/lineage/runs/{quote(run_id, safe='')}/rerun"
        result: dict[str, Any] = await self.call("POST", path, json={"fqid": fqid})
        return result

    async def redrive(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("POST", "/lineage/redrive")
        return result
