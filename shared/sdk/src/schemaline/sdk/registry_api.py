"""Client of the registry's management endpoints: contracts and proposals (httpx, async).

Schema fetches go through the cached resolver (`schemaline.sdk.resolver`); this client serves the
rarer calls a service or the CLI makes.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import httpx

from schemaline.contracts import CaseId, Layer, PipelineId, SchemaContract, Subject
from schemaline.sdk.http import async_client
from schemaline.sdk.resolver.errors import SchemaFetchError

API = "/api/v1"


class RegistryApiError(Exception):
    """The registry refused a request; `body` is its JSON error (with a PIPE code where one applies)."""

    def __init__(self, status: int, body: Any) -> None:
        self.status = status
        self.body = body
        message = body.get("message", body) if isinstance(body, dict) else body
        super().__init__(f"registry answered {status}: {message}")


class RegistryApi:
    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        timeout_s: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = async_client(base_url, token=token, timeout_s=timeout_s, transport=transport)

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._http.request(method, API + path, **kwargs)
        except httpx.TransportError as exc:
            raise SchemaFetchError(path, f"{type(exc).__name__}: {exc}") from exc

    @staticmethod
    def _body(response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            return response.text[:500]

    async def contract(self, pipeline_id: PipelineId | str, layer: Layer) -> SchemaContract | None:
        response = await self._call("GET", f"/contracts/{pipeline_id}/{layer.value}")
        if response.status_code == 404:
            return None
        if response.status_code >= 500:  # down, as far as a stage can tell: the cache may stand in
            raise SchemaFetchError(
                f"contract {pipeline_id}/{layer.value}", f"registry answered {response.status_code}"
            )
        if response.status_code != 200:
            raise RegistryApiError(response.status_code, self._body(response))
        body = response.json()
        if body.get("deleted") or body.get("contract") is None:
            return None
        return SchemaContract.model_validate(body["contract"])

    async def put_contract(self, contract: SchemaContract) -> dict[str, Any]:
        response = await self._call(
            "PUT",
            f"/contracts/{contract.pipeline_id}/{contract.layer.value}",
            json=contract.model_dump(mode="json"),
        )
        if response.status_code not in (200, 201):
            raise RegistryApiError(response.status_code, self._body(response))
        result: dict[str, Any] = response.json()
        return result

    async def propose(
        self, subject: Subject | str, schema: Any, *, covers: tuple[CaseId, ...] = ()
    ) -> dict[str, Any]:
        """Propose a version; returns the registry's answer (status, fqid, proposal)."""
        response = await self._call(
            "POST",
            f"/subjects/{subject}/versions",
            json={"schema": schema, "covers_drift_cases": list(covers)},
        )
        if response.status_code not in (200, 202):
            raise RegistryApiError(response.status_code, self._body(response))
        result: dict[str, Any] = response.json()
        return result

    async def proposal(self, proposal_id: str) -> dict[str, Any]:
        """One proposal as the registry holds it: FQIDs, state, and the compatibility engine's changes."""
        response = await self._call("GET", f"/proposals/{quote(proposal_id, safe='')}")
        if response.status_code != 200:
            raise RegistryApiError(response.status_code, self._body(response))
        result: dict[str, Any] = response.json()
        return result

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
