"""Small facts about schema nodes: JSON types, enumerations, equality in JSON's sense."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from schemaline.sdk.compat.dialect import ANNOTATIONS, CONTAINERS, IDENTIFIERS

ALL_TYPES = frozenset({"null", "boolean", "object", "array", "number", "integer", "string"})
NUMERIC = frozenset({"number", "integer"})
_NEUTRAL = ANNOTATIONS | IDENTIFIERS | CONTAINERS | {"$schema"}


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def declared_types(node: dict[str, Any]) -> frozenset[str]:
    declared = node.get("type")
    if declared is None:
        return ALL_TYPES
    return frozenset([declared] if isinstance(declared, str) else declared)


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def allowed_values(node: dict[str, Any]) -> list[Any] | None:
    """The finite set of values `enum`/`const` allow, or None when they do not restrict."""
    values: list[Any] | None = None
    if "enum" in node:
        values = list(node["enum"])
    if "const" in node:
        const = canon(node["const"])
        values = [node["const"]] if values is None else [v for v in values if canon(v) == const]
    return values


def types_of(node: dict[str, Any]) -> frozenset[str]:
    """JSON types an instance of `node` may have, judging by `type`, `enum` and `const`."""
    declared = declared_types(node)
    values = allowed_values(node)
    if values is None:
        return declared
    kinds = {json_type(value) for value in values}
    if "integer" in kinds:
        kinds.add("number")  # an integer value is a number too
    return frozenset(t for t in declared if t in kinds)


def types_within(inner: frozenset[str], outer: frozenset[str]) -> bool:
    """Every instance of a type in `inner` has a type in `outer` (integer ⊂ number)."""
    return all(t in outer or (t == "integer" and "number" in outer) for t in inner)


def canon(value: Any) -> Any:
    """A hashable form under which two JSON values are equal exactly when JSON Schema says so."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return (type(value).__name__, value)
    if isinstance(value, int | float):
        return ("number", Fraction(value))
    if isinstance(value, list):
        return ("array", tuple(canon(item) for item in value))
    return ("object", tuple(sorted((key, canon(item)) for key, item in value.items())))


def strict_equal(left: Any, right: Any) -> bool:
    """Python equality without `True == 1` (JSON tells booleans from numbers)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(strict_equal(v, right[k]) for k, v in left.items())
    if isinstance(left, list):
        return len(left) == len(right) and all(strict_equal(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def is_everything(schema: Any) -> bool:
    """The schema accepts every instance (`true`, `{}`, or annotations only)."""
    if schema is True:
        return True
    return isinstance(schema, dict) and all(key in _NEUTRAL for key in schema)


def as_number(value: Any) -> Fraction:
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
