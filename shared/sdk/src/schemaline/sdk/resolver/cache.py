"""The resolver's cache: LRU with TTL, refresh-ahead window, stale-if-error, per-subject invalidation.

Pure bookkeeping over an injected clock: no I/O, no locks. The async and sync schema resolvers and
the contract resolver drive it (a contract has no subject: publication never invalidates it).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from enum import Enum
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from schemaline.contracts import Selector, SelectorKind, Subject
from schemaline.sdk.resolver.clock import Clock

V = TypeVar("V")


class CachePolicy(BaseModel):
    """How long answers are trusted, and how long a stale one may stand in for an unreachable registry."""

    ttl_s: float = Field(default=60.0, gt=0, description="An answer is fresh this long after (re)validation")
    refresh_ahead_s: float = Field(
        default=10.0, ge=0, description="A hit this close to expiry revalidates in the background"
    )
    max_stale_s: float = Field(
        default=300.0,
        ge=0,
        description="After expiry, serve the stale answer this long while the registry fails",
    )
    error_backoff_s: float = Field(
        default=1.0, ge=0, description="After a failed revalidation, serve stale without retrying this long"
    )
    max_entries: int = Field(
        default=1024, ge=1, description="Selectors kept; the least recently used go first"
    )


class State(Enum):
    FRESH = "fresh"  # serve
    REFRESH = "refresh"  # serve, and revalidate in the background
    EXPIRED = "expired"  # revalidate now; stale may stand in if that fails
    BACKOFF = "backoff"  # expired, the registry failed a moment ago: serve stale without asking
    MISS = "miss"  # nothing usable: fetch now


@dataclass(slots=True)
class Entry(Generic[V]):
    value: V
    subject: Subject | None
    exact: bool
    fresh_until: float
    retry_after: float = 0.0


@dataclass(slots=True)
class Lookup(Generic[V]):
    state: State
    entry: Entry[V] | None
    generation: int  # passed back to `store`, so an answer fetched before an invalidation is not kept


@dataclass
class ResolverCache(Generic[V]):
    policy: CachePolicy
    clock: Clock
    _entries: OrderedDict[str, Entry[V]] = field(default_factory=OrderedDict)
    _generations: dict[Subject | None, int] = field(default_factory=dict)

    def lookup(self, key: str, subject: Subject | None) -> Lookup[V]:
        generation = self._generations.get(subject, 0)
        entry = self._entries.get(key)
        if entry is None:
            return Lookup(State.MISS, None, generation)
        self._entries.move_to_end(key)
        now = self.clock()
        if now < entry.fresh_until - self.policy.refresh_ahead_s:
            return Lookup(State.FRESH, entry, generation)
        if now < entry.fresh_until:
            return Lookup(State.REFRESH, entry, generation)
        if now > entry.fresh_until + self.policy.max_stale_s:
            return Lookup(State.MISS, entry, generation)  # too stale to stand in; still usable for ETag
        if now < entry.retry_after:
            return Lookup(State.BACKOFF, entry, generation)
        return Lookup(State.EXPIRED, entry, generation)

    def store(self, key: str, selector: Selector | None, value: V, generation: int) -> None:
        """`selector` None: an answer no publication invalidates (a contract)."""
        subject = selector.subject if selector is not None else None
        if self._generations.get(subject, 0) != generation:
            return  # invalidated while this answer was in flight
        exact = selector is None or selector.kind is SelectorKind.EXACT
        self._entries[key] = Entry(value, subject, exact, self.clock() + self.policy.ttl_s)
        self._entries.move_to_end(key)
        while len(self._entries) > self.policy.max_entries:
            self._entries.popitem(last=False)

    def settle(self, key: str, selector: Selector, found: Lookup[V], answer: V | None) -> V | None:
        """Take the registry's answer (None: 304 Not Modified); None back means "ask again in full"."""
        if answer is not None:
            self.store(key, selector, answer, found.generation)
            return answer
        entry = self._entries.get(key)
        if entry is None:
            return None  # dropped meanwhile (evicted, invalidated): the 304 has nothing to refresh
        if self._generations.get(selector.subject, 0) == found.generation:
            entry.fresh_until = self.clock() + self.policy.ttl_s
            entry.retry_after = 0.0
        return entry.value

    def stale_stand_in(self, key: str) -> V | None:
        """The registry failed: the cached answer if it is within max-stale (and back off retries)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        now = self.clock()
        if now > entry.fresh_until + self.policy.max_stale_s:
            return None
        entry.retry_after = now + self.policy.error_backoff_s
        return entry.value

    def invalidate(self, subject: Subject) -> int:
        """A version of `subject` was published: forget what `latest` and `^MAJOR` resolved to.

        Exact entries stay: a published version never changes.
        """
        self._generations[subject] = self._generations.get(subject, 0) + 1
        stale = [key for key, entry in self._entries.items() if entry.subject == subject and not entry.exact]
        for key in stale:
            del self._entries[key]
        return len(stale)

    def clear(self) -> None:
        for subject in {entry.subject for entry in self._entries.values()}:
            self._generations[subject] = self._generations.get(subject, 0) + 1
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
