"""`check`: a candidate against a subject's history at a compatibility level."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from schemaline.sdk.compat.engine import compare
from schemaline.sdk.compat.model import Comparison, JsonSchema, Level, Policy, Verdict
from schemaline.sdk.compat.refs import Document
from schemaline.sdk.compat.validation import validate

_DIRECTIONS: dict[Level, tuple[Literal["backward", "forward"], ...]] = {
    Level.NONE: (),
    Level.BACKWARD: ("backward",),
    Level.BACKWARD_TRANSITIVE: ("backward",),
    Level.FORWARD: ("forward",),
    Level.FORWARD_TRANSITIVE: ("forward",),
    Level.FULL: ("backward", "forward"),
    Level.FULL_TRANSITIVE: ("backward", "forward"),
}


def versions_to_compare(level: Level, count: int) -> list[int]:
    """History indexes to compare with, newest first: all of them for transitive levels."""
    if level is Level.NONE or count == 0:
        return []
    if level.name.endswith("TRANSITIVE"):
        return list(range(count - 1, -1, -1))
    return [count - 1]


def check(candidate: JsonSchema, history: Sequence[JsonSchema], level: Level, policy: Policy) -> Verdict:
    new = validate(candidate)
    documents: dict[int, Document] = {}
    comparisons: list[Comparison] = []
    for index in versions_to_compare(level, len(history)):
        old = documents.setdefault(index, validate(history[index]))
        for direction in _DIRECTIONS[level]:
            # backward: the candidate reads old data; forward: the old version reads the candidate's
            reader, writer = (new, old) if direction == "backward" else (old, new)
            changes = compare(writer, reader, policy)
            comparisons.append(Comparison(index, direction, tuple(changes)))
    compatible = all(comparison.compatible for comparison in comparisons)
    return Verdict(compatible, level, policy, tuple(comparisons), "minor" if compatible else "major")
