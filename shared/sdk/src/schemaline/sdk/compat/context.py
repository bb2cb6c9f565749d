"""State of one comparison: the two documents, the policy, the changes found, and the memo that
makes recursive schemas terminate."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from schemaline.sdk.compat.equivalence import Equivalence
from schemaline.sdk.compat.model import Change, Policy
from schemaline.sdk.compat.pointer import node_of
from schemaline.sdk.compat.refs import Document
from schemaline.sdk.compat.types import TABLE

MemoKey = tuple[int, int, str, bool]


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def show(value: Any) -> str:
    """A short JSON rendering of a schema fragment for messages."""
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass
class Shared:
    """What every sub-comparison of one diff shares."""

    policy: Policy
    walk: Callable[[Context, Any, Any, str], None]
    forward: Equivalence
    backward: Equivalence
    memo: dict[MemoKey, tuple[Change, ...]] = field(default_factory=dict)
    memo_log: list[MemoKey] = field(default_factory=list)
    in_progress: set[MemoKey] = field(default_factory=set)


@dataclass
class Context:
    """A list of changes being collected; `old` is the original document, `new` the update."""

    old: Document
    new: Document
    shared: Shared
    swapped: bool = False
    changes: list[Change] = field(default_factory=list)

    def emit(self, kind: str, path: str, old: Any = None, new: Any = None, key: str | None = None) -> None:
        rule = TABLE[kind]
        compatible = rule.lenient if self.shared.policy is Policy.LENIENT else rule.strict
        fields = _Fields(
            old=show(old), new=show(new), key=key if key is not None else path.rsplit("/", 1)[-1], path=path
        )
        suggestion = None if compatible or rule.suggestion is None else rule.suggestion.format_map(fields)
        self.changes.append(
            Change(
                kind, node_of(path), old, new, compatible, rule.message.format_map(fields), suggestion, path
            )
        )

    def compare(self, old: Any, new: Any, path: str) -> None:
        """Compare two subschemas (from `old` and `new`), adding their changes here."""
        self.shared.walk(self, old, new, path)

    def attempt(self, old: Any, new: Any, path: str) -> Context:
        """Compare two subschemas into a trial context, returned for the caller to judge."""
        trial = self.trial()
        self.shared.walk(trial, old, new, path)
        return trial

    def equivalent(self, old: Any, new: Any) -> bool:
        return (self.shared.backward if self.swapped else self.shared.forward)(old, new)

    def extend(self, changes: list[Change] | tuple[Change, ...]) -> None:
        self.changes.extend(changes)

    def trial(self) -> Context:
        """A context whose changes are kept only if the caller decides so."""
        return Context(self.old, self.new, self.shared, self.swapped)

    def reversed(self) -> Context:
        """Compare in the other direction (the update's instances against the original)."""
        return Context(self.new, self.old, self.shared, not self.swapped)

    @property
    def compatible(self) -> bool:
        return all(change.compatible for change in self.changes)

    def incompatible_count(self) -> int:
        return sum(not change.compatible for change in self.changes)
