"""The drift detector's operator API: cases (list, show), propose the patch that closes one, acknowledge."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, FastAPI, Path, Query, Request
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.drift_detector import operations
from schemaline.drift_detector.api_models import AckIn, CaseOut, ProposalOut, ProposeIn, QuarantineSampleOut
from schemaline.drift_detector.cases import CaseState
from schemaline.runtime.http.app import create_api_app
from schemaline.runtime.http.auth import CallerToken, Operator, Proposer, Reader, TokenTable
from schemaline.runtime.http.errors import error_responses
from schemaline.runtime.objectstore import ObjectStore
from schemaline.sdk.registry_settings import RegistryClients, RegistryClientSettings, connect_registry

router = APIRouter(prefix="/drift", tags=["drift"])
CaseIdParam = Annotated[str, Path(max_length=128, description="Drift case id")]


@dataclass(frozen=True)
class _Parts:
    """What the routes use, as `create_app` was given it."""

    engine: AsyncEngine
    objects: ObjectStore
    registry_url: str
    registry_timeout_s: float
    registry_transport: httpx.AsyncBaseTransport | None

    @contextlib.asynccontextmanager
    async def registry_as(self, token: str) -> AsyncIterator[RegistryClients]:
        """Registry clients carrying the caller's token, so the registry records the proposal as theirs."""
        settings = RegistryClientSettings(
            url=self.registry_url, token=SecretStr(token), timeout_s=self.registry_timeout_s
        )
        async with connect_registry(settings, transport=self.registry_transport) as clients:
            yield clients


def _parts(request: Request) -> _Parts:
    parts: _Parts = request.app.state.parts
    return parts


@router.get("/cases", response_model=list[CaseOut])
async def list_cases(request: Request, _: Reader, state: CaseState | None = None) -> list[dict[str, Any]]:
    """Drift cases, oldest first (their runs are in `show`)."""
    return [case.to_json() for case in await operations.list_cases(_parts(request).engine, state)]


@router.get("/cases/{case_id}", response_model=CaseOut, responses=error_responses(404))
async def show_case(request: Request, case_id: CaseIdParam, _: Reader) -> dict[str, Any]:
    """One case: drifted fields, counts, runs, quarantine URIs, re-runs."""
    return (await operations.get_case(_parts(request).engine, case_id)).to_json()


@router.get(
    "/cases/{case_id}/quarantine", response_model=QuarantineSampleOut, responses=error_responses(404, 503)
)
async def quarantine(
    request: Request,
    case_id: CaseIdParam,
    _: Reader,
    limit: Annotated[int, Query(ge=1, le=500, description="Records in the sample")] = 20,
) -> dict[str, Any]:
    """A sample of the case's quarantined records, each with the reasons it was rejected."""
    parts = _parts(request)
    records, more = await operations.quarantine_sample(
        parts.engine, case_id, objects=parts.objects, limit=limit
    )
    return {
        "case_id": case_id,
        "records": [r.model_dump(mode="json", by_alias=True) for r in records],
        "more": more,
    }


@router.get("/cases/{case_id}/patch", response_model=ProposalOut, responses=error_responses(404, 409, 503))
async def patch(request: Request, case_id: CaseIdParam, _: Reader, token: CallerToken) -> dict[str, Any]:
    """The schema patch that would close the case, inferred and checked as `propose` does, for any
    reader to review; nothing is submitted (`submitted` is null)."""
    parts = _parts(request)
    async with parts.registry_as(token) as registry:
        proposal, _answer = await operations.propose(
            parts.engine, case_id, objects=parts.objects, registry=registry, submit=False
        )
    return proposal.to_json() | {"submitted": None}


@router.post("/cases/{case_id}/propose", response_model=ProposalOut, responses=error_responses(404, 409, 503))
async def propose(
    request: Request, case_id: CaseIdParam, body: ProposeIn, _: Proposer, token: CallerToken
) -> dict[str, Any]:
    """Infer the schema patch that covers the case from its quarantine, check it against the data and
    the compatibility engine, and (unless a dry run, and only when it accepts every record) propose it
    to the registry as the caller. `accepts_all: false` is a finding: nothing is submitted."""
    parts = _parts(request)
    async with parts.registry_as(token) as registry:
        proposal, answer = await operations.propose(
            parts.engine, case_id, objects=parts.objects, registry=registry, submit=not body.dry_run
        )
    return proposal.to_json() | {"submitted": answer}


@router.post("/cases/{case_id}/ack", response_model=CaseOut, responses=error_responses(404, 409))
async def acknowledge(request: Request, case_id: CaseIdParam, body: AckIn, _: Operator) -> dict[str, Any]:
    """Acknowledge an active case: someone is on it."""
    return (await operations.acknowledge(_parts(request).engine, case_id, body.note)).to_json()


def create_app(
    *,
    engine: AsyncEngine,
    objects: ObjectStore,
    registry_url: str,
    tokens: TokenTable,
    registry_timeout_s: float = 5.0,
    registry_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The API over the drift detector's database and object store; proposals go to `registry_url`
    (through `registry_transport` when the registry is served in-process, as in the embedded stack)."""
    parts = _Parts(engine, objects, registry_url, registry_timeout_s, registry_transport)
    return create_api_app(
        title="Schemaline drift detector",
        description="Drift cases, and the schema patch inferred from quarantine that closes one.",
        tokens=tokens,
        routers=[router],
        state={"parts": parts},
    )
