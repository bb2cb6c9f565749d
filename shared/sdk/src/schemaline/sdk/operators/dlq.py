"""Any service's /api/v1/dlq: its dead letters listed, shown, redriven."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from schemaline.sdk.operators.base import ServiceClient


class DeadLetterClient(ServiceClient):
    service = "service"

    async def letters(self, limit: int = 100) -> dict[str, Any]:
        """`service`, `count` and the oldest `letters` (message_id, routing_key, reason, size_bytes)."""
        result: dict[str, Any] = await self.call("GET", "/dlq", params={"limit": limit})
        return result

    async def letter(self, message_id: str) -> dict[str, Any]:
        """One letter with its `body`."""
        result: dict[str, Any] = await self.call("GET", f"/dlq/{quote(message_id, safe='')}")
        return result

    async def redrive(self, limit: int | None = None) -> dict[str, Any]:
        """`republished` and `kept` (letters that are not events stay in the DLQ)."""
        params = {"limit": limit} if limit is not None else None
        result: dict[str, Any] = await self.call("POST", "/dlq/redrive", params=params)
        return result
