"""Value types of the compatibility engine: levels, policies, changes, comparisons, verdicts."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

JsonSchema = dict[str, Any] | bool


class Level(StrEnum):
    NONE = "NONE"
    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"


class Policy(StrEnum):
    STRICT = "strict"
    LENIENT = "lenient"


class SchemaError(ValueError):
    """The input is not a valid JSON Schema; the message names the JSON Pointer."""


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between two schemas.

    `path` is the schema node that changed, as Confluent reports it (`#/properties/amount`, `#/` for
    the root); `keyword` points at the keyword itself (`#/properties/amount/maximum`).
    """

    type: str
    path: str
    old: Any
    new: Any
    compatible: bool
    message: str
    suggestion: str | None
    keyword: str = ""

    def to_json(self) -> dict[str, Any]:
        """The CLI's and the REST API's shape of one change."""
        return {
            "type": self.type,
            "path": self.path,
            "keyword": self.keyword,
            "compatible": self.compatible,
            "message": self.message,
            "suggestion": self.suggestion,
        }


@dataclass(frozen=True, slots=True)
class Comparison:
    """The changes found comparing the candidate with one earlier version."""

    history_index: int
    direction: Literal["backward", "forward"]
    changes: tuple[Change, ...]

    @property
    def compatible(self) -> bool:
        return all(change.compatible for change in self.changes)


@dataclass(frozen=True, slots=True)
class Verdict:
    compatible: bool
    level: Level
    policy: Policy
    comparisons: tuple[Comparison, ...]
    semver: Literal["minor", "major"]

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(change for comparison in self.comparisons for change in comparison.changes)
