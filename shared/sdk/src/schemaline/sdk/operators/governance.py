"""Governance's API: proposals and decisions, drift cases, violations, ledger verify and replay."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from schemaline.sdk.operators.base import ServiceClient


class GovernanceClient(ServiceClient):
    service = "governance"

    async def proposals(self, status: str | None = None) -> list[dict[str, Any]]:
        params = {"status": status} if status else None
        result: list[dict[str, Any]] = await self.call("GET", "/governance/proposals", params=params)
        return result

    async def proposal(self, proposal_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "GET", f"/governance/proposals/{quote(proposal_id, safe='')}"
        )
        return result

    async def cases(self, status: str | None = None) -> list[dict[str, Any]]:
        params = {"status": status} if status else None
        result: list[dict[str, Any]] = await self.call("GET", "/governance/cases", params=params)
        return result

    async def violations(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call("GET", "/governance/violations")
        return result

    async def decide(self, proposal_id: str, *, approve: bool, reason: str) -> dict[str, Any]:
        """Approve or reject as the token's principal; the gate still applies (409 when it holds)."""
        action = "approve" if approve else "reject"
        path = f"/governance/proposals/{quote(proposal_id, safe='')}/{action}"
        result: dict[str, Any] = await self.call("POST", path, json={"reason": reason})
        return result

    async def verify(self, expect_head: str | None = None) -> dict[str, Any]:
        params = {"expect_head": expect_head} if expect_head else None
        result: dict[str, Any] = await self.call("GET", "/ledger/verify", params=params)
        return result

    async def replay(self, selection: dict[str, Any]) -> dict[str, Any]:
        """Select ledgered events, and republish them given a name and no dry run (chain verified first)."""
        result: dict[str, Any] = await self.call("POST", "/ledger/replay", json=selection)
        return result
