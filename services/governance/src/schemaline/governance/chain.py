"""The ledger's hash chain: canonical JSON, the hash of one entry, and the walk that verifies it.

Entry hash = sha256 of the canonical JSON of {seq, kind, ref, detail_type, recorded_at, payload,
prev_hash}, with `payload` parsed (so the hash covers its content, not its spelling). Canonical JSON:
keys sorted, no insignificant whitespace, UTF-8, no NaN. The first entry's prev_hash is 64 zeros.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


@dataclass(frozen=True, slots=True)
class Entry:
    """One ledger row as stored."""

    seq: int
    kind: str
    ref: str
    detail_type: str
    recorded_at: str
    payload: str
    prev_hash: str
    entry_hash: str


def entry_hash(
    *, seq: int, kind: str, ref: str, detail_type: str, recorded_at: str, payload: str, prev_hash: str
) -> str:
    document = {
        "seq": seq,
        "kind": kind,
        "ref": ref,
        "detail_type": detail_type,
        "recorded_at": recorded_at,
        "payload": json.loads(payload),
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def expected_hash(entry: Entry) -> str:
    return entry_hash(
        seq=entry.seq,
        kind=entry.kind,
        ref=entry.ref,
        detail_type=entry.detail_type,
        recorded_at=entry.recorded_at,
        payload=entry.payload,
        prev_hash=entry.prev_hash,
    )


@dataclass(frozen=True, slots=True)
class Verification:
    """What `ledger verify` found: ok, or the first broken link and why."""

    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    problem: str | None = None

    def render(self) -> str:
        if self.ok:
            return f"ledger OK: {self.entries} entries, head seq {self.head_seq} hash {self.head_hash}"
        return f"ledger BROKEN at seq {self.broken_seq}: {self.problem} (checked {self.entries} entries)"


def _check_entry(entry: Entry, expected_seq: int, prev_hash: str) -> str | None:
    if entry.seq != expected_seq:
        if entry.seq > expected_seq:
            return f"entries {expected_seq}..{entry.seq - 1} are missing (deleted?)"
        return f"seq {entry.seq} appears out of order (expected {expected_seq})"
    if entry.prev_hash != prev_hash:
        return (
            f"prev_hash {entry.prev_hash[:16]}… does not match the hash of entry {expected_seq - 1} "
            f"({prev_hash[:16]}…): an entry before it was removed, inserted or reordered"
        )
    try:
        parsed = json.loads(entry.payload)
    except json.JSONDecodeError as exc:
        return f"payload is not JSON ({exc})"
    if canonical_json(parsed) != entry.payload:
        return "payload is not in canonical form: it was edited"
    if expected_hash(entry) != entry.entry_hash:
        return "entry_hash does not match the entry's content: the entry was altered"
    return None


class ChainWalk:
    """Verify entries one at a time, in seq order, so a long ledger need not be held in memory."""

    def __init__(self) -> None:
        self.prev_hash = GENESIS
        self.count = 0
        self.last_seq = 0
        self.broken: Verification | None = None

    def feed(self, entry: Entry) -> bool:
        """Check the next entry; False once the chain is broken (later entries are not looked at)."""
        if self.broken is not None:
            return False
        self.count += 1
        problem = _check_entry(entry, self.last_seq + 1, self.prev_hash)
        if problem is not None:
            self.broken = Verification(False, self.count, self.last_seq, self.prev_hash, entry.seq, problem)
            return False
        self.prev_hash = entry.entry_hash
        self.last_seq = entry.seq
        return True

    def result(self, *, head: tuple[int, str] | None = None, expect_head: str | None = None) -> Verification:
        if self.broken is not None:
            return self.broken
        count, last_seq, prev_hash = self.count, self.last_seq, self.prev_hash
        if head is not None and head != (last_seq, prev_hash):
            return Verification(
                False,
                count,
                last_seq,
                prev_hash,
                last_seq + 1,
                f"the chain ends at seq {last_seq} but the head records seq {head[0]}: entries were removed "
                "from the end",
            )
        if expect_head is not None and expect_head != prev_hash:
            return Verification(
                False,
                count,
                last_seq,
                prev_hash,
                last_seq,
                f"head hash {prev_hash} is not the expected {expect_head}",
            )
        return Verification(True, count, last_seq, prev_hash)


def verify(
    entries: Iterable[Entry], *, head: tuple[int, str] | None = None, expect_head: str | None = None
) -> Verification:
    """Walk the chain in seq order; `head` is the stored head row, `expect_head` an externally kept hash."""
    walk = ChainWalk()
    for entry in entries:
        if not walk.feed(entry):
            break
    return walk.result(head=head, expect_head=expect_head)
