"""The drift detector's API: cases, a case, the patch proposal that closes it, acknowledgement."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from schemaline.cli.clients.base import ServiceClient


class DriftClient(ServiceClient):
    service = "drift detector"

    async def cases(self, state: str | None = None) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call(
            "GET", "/drift/cases", params={"state": state} if state else None
        )
        return result

    async def case(self, case_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", f"/drift/cases/{quote(case_id, safe='')}")
        return result

    async def propose(self, case_id: str, *, dry_run: bool = False) -> dict[str, Any]:
        """The inferred patch and its checks; `submitted` is the registry's answer (None on a dry run)."""
        path = f"/drift/cases/{quote(case_id, safe='')}/propose"
        result: dict[str, Any] = await self.call("POST", path, json={"dry_run": dry_run})
        return result

    async def ack(self, case_id: str, note: str) -> dict[str, Any]:
        path = f"/drift/cases/{quote(case_id, safe='')}/ack"
        result: dict[str, Any] = await self.call("POST", path, json={"note": note})
        return result
