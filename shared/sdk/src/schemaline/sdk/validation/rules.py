"""jsonschema-rs errors → rule violations (pointer, rule, message), each marked shape or value.

Shape rules are the ones a schema change could satisfy without touching values: an unexpected
field, a changed type, a missing field. Everything else is a value rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from schemaline.sdk.validation.pointers import child, pattern, pointer

SHAPE_RULES = frozenset(
    {
        "type",
        "required",
        "additionalProperties",
        "unevaluatedProperties",
        "additionalItems",
        "unevaluatedItems",
        "falseSchema",
    }
)
_UNEXPECTED_RULES = frozenset({"additionalProperties", "unevaluatedProperties"})
_ANY_OF_KINDS = (jsonschema_rs.ValidationErrorKind.AnyOf, jsonschema_rs.ValidationErrorKind.OneOfNotValid)
JSON_RULE = "json"


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule, with what the profile needs to count it as drift."""

    pointer: str
    rule: str
    message: str
    shape: bool
    # Drift bookkeeping: the field pattern (`/lines/*/sku`), and observed / expected JSON types.
    field: str
    observed: str | None = None
    expected: tuple[str, ...] = ()


def json_type(value: Any) -> str:
    """The JSON type name of a parsed value (orjson yields exactly these Python types)."""
    return JSON_TYPES.get(type(value)) or type(value).__name__


JSON_TYPES: dict[type, str] = {
    dict: "object",
    list: "array",
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


def _is_shape(error: jsonschema_rs.ValidationError) -> bool:
    """`anyOf`/`oneOf` failures count as shape when every branch failed only on shape."""
    kind = error.kind
    if isinstance(kind, _ANY_OF_KINDS):
        branches = kind.context
        return bool(branches) and all(branch and all(_is_shape(e) for e in branch) for branch in branches)
    return kind.name in SHAPE_RULES


def translate(
    error: jsonschema_rs.ValidationError, shape: bool | None = None, *, skip: int = 0
) -> Iterator[Violation]:
    """One jsonschema-rs error as violations: one per unexpected field, and a missing field's
    pointer is the field's own (`/customer/email`), not its parent object's. `skip` drops the
    leading path parts (1 for errors of a list of records, whose paths start with the index)."""
    kind = error.kind
    rule = kind.name
    path = error.instance_path[skip:]
    at = pointer(path)
    is_shape = _is_shape(error) if shape is None else shape
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
        name = kind.property
        yield Violation(
            child(at, name), rule, f"required field {name!r} is missing", True, child(pattern(path), name)
        )
    elif rule in _UNEXPECTED_RULES and isinstance(error.instance, dict):
        unexpected: Iterable[str] = getattr(kind, "unexpected", ())
        for name in unexpected:
            value = error.instance.get(name)
            yield Violation(
                child(at, name),
                rule,
                f"unexpected field {name!r}: {rule} does not allow it",
                True,
                child(pattern(path), name),
                json_type(value),
            )
    elif isinstance(kind, jsonschema_rs.ValidationErrorKind.Type):
        yield Violation(
            at, rule, error.message, True, pattern(path), json_type(error.instance), tuple(kind.types)
        )
    else:
        yield Violation(at, rule, error.message, is_shape, pattern(path))


def unexpected_only(error: jsonschema_rs.ValidationError) -> list[Violation] | None:
    """For an error of the closed twin: the unexpected fields behind it, or None if it has
    another cause. Looks inside `anyOf`/`oneOf` for the branch that failed only on them."""
    kind = error.kind
    if kind.name in _UNEXPECTED_RULES:
        return list(translate(error, shape=True))
    if isinstance(kind, _ANY_OF_KINDS):
        for branch in kind.context:
            found: list[Violation] = []
            for inner in branch:
                part = unexpected_only(inner)
                if part is None:
                    break
                found.extend(part)
            else:
                if found:
                    return found
    return None
