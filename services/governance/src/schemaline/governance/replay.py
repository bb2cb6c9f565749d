"""Replay for incident review: select ledgered events, verify the chain, republish them with `replay-name`.

Selection and verification happen in one streaming pass over the ledger, bounded by the head read
first; nothing is published unless the whole chain verified. A replayed event keeps its id, so
consumers that handled it already skip it (re-drive what was lost); with `new_ids` it gets an id
derived from (original id, replay name), so every consumer processes it once more, and running the
same replay again is still a no-op for them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.contracts import Envelope, EventDecodeError, Fqid, Selector, Subject, decode, derived_id
from schemaline.governance.chain import ChainWalk, Verification
from schemaline.governance.ledger import read_entries, read_head
from schemaline.runtime.bus import Publisher

log = structlog.get_logger("schemaline.governance.replay")

# EventBridge's rule for replay names, so a name used here is valid there too.
REPLAY_NAME = re.compile(r"^[.\-_A-Za-z0-9]{1,64}$")
RUN_FIELDS = ("run_id", "rerun_of", "original_run_id", "rerun_id")

Progress = Callable[[int, int], None]


class ReplayRefusedError(Exception):
    """The ledger does not verify: replaying from it would spread whatever was done to it."""

    def __init__(self, verification: Verification) -> None:
        super().__init__(f"replay refused: {verification.render()}")
        self.verification = verification


def as_utc(moment: datetime | None) -> datetime | None:
    """Times without an offset are taken as UTC, as every event time is."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def subjects_of(envelope: Envelope[Any]) -> set[str]:
    """The schema subjects an event is about: its `subject`, and the subject of every FQID it names."""
    detail = envelope.detail
    found = set()
    for name in type(detail).model_fields:
        value = getattr(detail, name)
        if isinstance(value, Subject):
            found.add(str(value))
        elif isinstance(value, Fqid | Selector):
            found.add(str(value.subject))
    return found


def runs_of(envelope: Envelope[Any]) -> set[str]:
    """The correlation id, and every run id the detail carries (a re-run names its original run)."""
    runs = {str(getattr(envelope.detail, name, None) or "") for name in RUN_FIELDS}
    runs.add(envelope.detail.meta.correlation_id or "")
    runs.discard("")
    return runs


@dataclass(frozen=True)
class Selection:
    """Which ledgered events to replay; empty sets match everything. `until` is exclusive."""

    since: datetime | None = None
    until: datetime | None = None
    detail_types: frozenset[str] = frozenset()
    run_ids: frozenset[str] = frozenset()
    subjects: frozenset[str] = frozenset()
    include_replays: bool = False

    def matches(self, envelope: Envelope[Any]) -> bool:
        since, until = as_utc(self.since), as_utc(self.until)
        if envelope.replay_name is not None and not self.include_replays:
            return False
        if since is not None and envelope.time < since:
            return False
        if until is not None and envelope.time >= until:
            return False
        if self.detail_types and envelope.detail_type not in self.detail_types:
            return False
        if self.run_ids and not (runs_of(envelope) & self.run_ids):
            return False
        return not self.subjects or bool(subjects_of(envelope) & self.subjects)


@dataclass(frozen=True)
class Selected:
    seq: int
    recorded_at: str
    envelope: Envelope[Any]


@dataclass(frozen=True)
class Plan:
    """What a replay would send, and whether the ledger it comes from verified."""

    verification: Verification
    events: list[Selected] = field(default_factory=list)
    unreadable: list[int] = field(default_factory=list)  # seqs of event entries no model decodes now


async def plan(engine: AsyncEngine, selection: Selection, *, expect_head: str | None = None) -> Plan:
    """One pass over the ledger up to its current head: verify every entry, keep the selected events."""
    head = await read_head(engine)
    walk = ChainWalk()
    events: list[Selected] = []
    unreadable: list[int] = []
    async for entry in read_entries(engine, through=0 if head is None else head[0]):
        if not walk.feed(entry):
            break
        if entry.kind != "event":
            continue
        try:
            envelope = decode(entry.payload)
        except EventDecodeError:
            unreadable.append(entry.seq)
            continue
        if selection.matches(envelope):
            events.append(Selected(entry.seq, entry.recorded_at, envelope))
    return Plan(walk.result(head=head, expect_head=expect_head), events, unreadable)


def replayed(envelope: Envelope[Any], name: str, *, new_ids: bool) -> Envelope[Any]:
    changes: dict[str, Any] = {"replay_name": name}
    if new_ids:
        changes["id"] = derived_id(envelope.id, f"replay:{name}")
    return envelope.model_copy(update=changes)


def check_name(name: str) -> str:
    if not REPLAY_NAME.match(name):
        raise ValueError(f"replay name {name!r} must be 1-64 characters of letters, digits, '.', '-', '_'")
    return name


async def replay(
    bus: Publisher,
    chosen: Plan,
    *,
    name: str,
    new_ids: bool = False,
    batch: int = 100,
    progress: Progress | None = None,
) -> int:
    """Republish the plan's events in ledger order, in batches of confirmed publishes; returns the count."""
    check_name(name)
    if not chosen.verification.ok:
        raise ReplayRefusedError(chosen.verification)
    events: Sequence[Selected] = chosen.events
    done = 0
    for start in range(0, len(events), batch):
        part = [replayed(item.envelope, name, new_ids=new_ids) for item in events[start : start + batch]]
        await bus.publish_many(part)
        done += len(part)
        if progress is not None:
            progress(done, len(events))
    log.info("replay published", replay_name=name, events=done, new_ids=new_ids)
    return done
