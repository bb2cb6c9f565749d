"""Public types and entry points of the compatibility engine.

`diff(original, update)` lists what changed, read in the backward direction: a change is compatible
when every instance valid under `original` stays valid under `update`. `check` applies a level to a
subject's history.
"""

from __future__ import annotations

from collections.abc import Sequence

from schemaline.sdk.compat import engine, levels, validation
from schemaline.sdk.compat.model import (
    Change,
    Comparison,
    JsonSchema,
    Level,
    Policy,
    SchemaError,
    Verdict,
)

__all__ = [
    "Change",
    "Comparison",
    "JsonSchema",
    "Level",
    "Policy",
    "SchemaError",
    "Verdict",
    "check",
    "diff",
    "validate",
]


def diff(original: JsonSchema, update: JsonSchema, policy: Policy = Policy.STRICT) -> list[Change]:
    """Ordered changes from `original` to `update`; raises SchemaError for an invalid schema."""
    return engine.diff(original, update, Policy(policy))


def check(
    candidate: JsonSchema,
    history: Sequence[JsonSchema],
    level: Level = Level.BACKWARD,
    policy: Policy = Policy.STRICT,
) -> Verdict:
    """Judge `candidate` against `history` (oldest first) at `level` under `policy`."""
    return levels.check(candidate, history, Level(level), Policy(policy))


def validate(schema: JsonSchema) -> None:
    """Raise SchemaError (naming the JSON Pointer) unless `schema` is a valid JSON Schema."""
    validation.validate(schema)
