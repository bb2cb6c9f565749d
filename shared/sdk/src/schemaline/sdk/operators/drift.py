"""The drift detector's API: cases, a case, the patch proposal that closes it, acknowledgement."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from schemaline.sdk.operators.base import ServiceClient


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

    async def quarantine(self, case_id: str, limit: int = 20) -> dict[str, Any]:
        """A sample of the case's quarantined records with their reasons, and whether there are more."""
        path = f"/drift/cases/{quote(case_id, safe='')}/quarantine"
        result: dict[str, Any] = await self.call("GET", path, params={"limit": limit})
        return result

    async def patch(self, case_id: str) -> dict[str, Any]:
        """The patch `propose` would submit, inferred and checked; any reader may look."""
        result: dict[str, Any] = await self.call("GET", f"/drift/cases/{quote(case_id, safe='')}/patch")
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
