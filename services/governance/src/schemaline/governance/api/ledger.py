"""The ledger: verify its hash chain; replay ledgered events for incident review (chain verified first)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from schemaline.contracts import EVENT_TYPES, Envelope
from schemaline.governance.api.deps import EngineDep, PublisherDep
from schemaline.governance.api.models import ReplayIn, ReplayOut, TimelineRow, VerificationOut
from schemaline.governance.chain import Verification, verify
from schemaline.governance.ledger import read_entries, read_head
from schemaline.governance.replay import Selection, as_utc, plan, replay, subjects_of
from schemaline.runtime.http.auth import Governor, Reader
from schemaline.runtime.http.errors import ConflictError, InvalidRequestError, error_responses

router = APIRouter(prefix="/ledger", tags=["ledger"])

ExpectHead = Annotated[str | None, Query(max_length=64, description="Head hash kept elsewhere earlier")]


def verification_out(result: Verification) -> VerificationOut:
    return VerificationOut(
        ok=result.ok,
        entries=result.entries,
        head_seq=result.head_seq,
        head_hash=result.head_hash,
        broken_seq=result.broken_seq,
        problem=result.problem,
        summary=result.render(),
    )


@router.get("/verify", response_model=VerificationOut)
async def verify_ledger(engine: EngineDep, _: Reader, expect_head: ExpectHead = None) -> VerificationOut:
    """Walk the whole chain; `ok: false` names the first broken link."""
    entries = [entry async for entry in read_entries(engine)]
    return verification_out(verify(entries, head=await read_head(engine), expect_head=expect_head))


def _selection(body: ReplayIn) -> Selection:
    unknown = sorted(set(body.detail_types) - set(EVENT_TYPES))
    if unknown:
        raise InvalidRequestError(f"unknown detail-type(s): {', '.join(unknown)}", pointer="/detail_types")
    since, until = as_utc(body.since), as_utc(body.until)
    if since is not None and until is not None and since >= until:
        raise InvalidRequestError("since must be before until", pointer="/since")
    return Selection(
        since=since,
        until=until,
        detail_types=frozenset(body.detail_types),
        run_ids=frozenset(body.run_ids),
        subjects=frozenset(body.subjects),
        include_replays=body.include_replays,
    )


def _row(seq: int, envelope: Envelope[Any]) -> TimelineRow:
    return TimelineRow(
        seq=seq,
        time=envelope.time,
        detail_type=envelope.detail_type,
        id=envelope.id,
        source=envelope.source,
        run_id=envelope.detail.meta.correlation_id,
        subjects=sorted(subjects_of(envelope)),
        replay_name=envelope.replay_name,
    )


@router.post("/replay", response_model=ReplayOut, responses=error_responses(409))
async def replay_events(engine: EngineDep, publisher: PublisherDep, body: ReplayIn, _: Governor) -> ReplayOut:
    """Select ledgered events and verify the whole chain; with a name (and no dry run) republish them
    with replay-name set. A chain that does not verify refuses the replay (409), dry runs included."""
    chosen = await plan(engine, _selection(body), expect_head=body.expect_head)
    if not chosen.verification.ok:
        raise ConflictError(f"replay refused: {chosen.verification.render()}")
    published = 0
    if body.name is not None and not body.dry_run:
        published = await replay(publisher, chosen, name=body.name, new_ids=body.new_ids)
    return ReplayOut(
        ledger=verification_out(chosen.verification),
        events=[_row(item.seq, item.envelope) for item in chosen.events],
        unreadable=chosen.unreadable,
        name=body.name,
        published=published,
        new_ids=body.new_ids,
    )
