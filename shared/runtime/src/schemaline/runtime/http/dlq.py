"""/api/v1/dlq on every service's API: its dead letters listed, shown, and redriven one at a time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from pydantic import BaseModel, Field

from schemaline.runtime.bus import dead_letters
from schemaline.runtime.bus.transport import DeadLetter, Transport
from schemaline.runtime.http.app import PREFIX
from schemaline.runtime.http.auth import AUTH_ERRORS, Operator, Reader
from schemaline.runtime.http.errors import NotFoundError, error_responses

MAX_LISTED = 1000


class LetterOut(BaseModel):
    message_id: str | None = Field(description="The event id (the broker's message id)")
    routing_key: str = Field(description="The event's detail-type", examples=["BatchLanded"])
    reason: str = Field(description="Why it was dead-lettered", examples=["malformed message: not JSON"])
    size_bytes: int

    @classmethod
    def of(cls, letter: DeadLetter) -> LetterOut:
        return cls(
            message_id=letter.message_id,
            routing_key=letter.routing_key,
            reason=letter.reason,
            size_bytes=len(letter.body),
        )


class LetterDetailOut(LetterOut):
    body: str = Field(description="The message as received (UTF-8; undecodable bytes replaced)")

    @classmethod
    def full(cls, letter: DeadLetter) -> LetterDetailOut:
        return cls(**LetterOut.of(letter).model_dump(), body=letter.body.decode("utf-8", errors="replace"))


class LettersOut(BaseModel):
    service: str
    count: int = Field(description="Letters in the DLQ (not held by anyone)")
    letters: list[LetterOut] = Field(description="The oldest, up to `limit`")


class RedriveOut(BaseModel):
    service: str
    republished: int = Field(description="Events sent back to the service's queue, then removed")
    kept: int = Field(description="Letters that are not events: left in the DLQ with their reason")


router = APIRouter(prefix="/dlq", tags=["dead letters"])


def _where(request: Request) -> tuple[Transport, str]:
    return request.app.state.dlq_transport, request.app.state.dlq_service


@router.get("", response_model=LettersOut)
async def list_letters(
    request: Request, _: Reader, limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 100
) -> LettersOut:
    """The service's dead letters, oldest first; reading them leaves them where they are."""
    transport, service = _where(request)
    letters = await dead_letters.peek(transport, service, limit)
    count = await transport.dead_letter_count(service)
    return LettersOut(service=service, count=count, letters=[LetterOut.of(letter) for letter in letters])


@router.get("/{message_id}", response_model=LetterDetailOut, responses=error_responses(404))
async def show_letter(request: Request, message_id: str, _: Reader) -> LetterDetailOut:
    """One dead letter, with its body (among the oldest `MAX_LISTED`)."""
    transport, service = _where(request)
    for letter in await dead_letters.peek(transport, service, MAX_LISTED):
        if letter.message_id == message_id:
            return LetterDetailOut.full(letter)
    raise NotFoundError(f"no dead letter {message_id} in {service}'s DLQ")


@router.post("/redrive", response_model=RedriveOut)
async def redrive_letters(
    request: Request, _: Operator, limit: Annotated[int | None, Query(ge=1)] = None
) -> RedriveOut:
    """Send the events back to the service one at a time (each removed only once sent); keep the rest."""
    transport, service = _where(request)
    result = await dead_letters.redrive(transport, service, limit=limit)
    return RedriveOut(service=service, republished=result.republished, kept=result.kept)


def serve_dead_letters(app: FastAPI, transport: Transport, service: str) -> None:
    """Add /api/v1/dlq to a service's API, over its own DLQ."""
    app.state.dlq_transport = transport
    app.state.dlq_service = service
    app.include_router(router, prefix=PREFIX, responses=AUTH_ERRORS)
