"""Hypothesis strategies: small random schemas, their mutations, and instances of a schema."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
from hypothesis import find
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

NAMES = ("a", "b", "c")
TYPES = ("null", "boolean", "integer", "number", "string", "object", "array")

_scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.sampled_from([0.5, -1.5, "", "a", "xy"])
json_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(NAMES), inner, max_size=3),
    max_leaves=6,
)
_VALUES = st.sampled_from([0, 1, 2, "a", "b", None, True])

leaves = st.one_of(
    st.builds(dict),
    st.builds(lambda t: {"type": t}, st.sampled_from(TYPES)),
    st.builds(lambda t: {"type": sorted(t)}, st.sets(st.sampled_from(TYPES), min_size=1, max_size=3)),
    st.builds(
        lambda lo, hi: {"type": "integer", "minimum": lo, "maximum": lo + hi},
        st.integers(-3, 3),
        st.integers(0, 4),
    ),
    st.builds(lambda n: {"type": "number", "exclusiveMaximum": n}, st.integers(-2, 2)),
    st.builds(lambda n: {"type": "integer", "multipleOf": n}, st.sampled_from([1, 2, 3, 4, 6])),
    st.builds(
        lambda n, m: {"type": "string", "minLength": n, "maxLength": n + m},
        st.integers(0, 2),
        st.integers(0, 3),
    ),
    st.builds(lambda p: {"type": "string", "pattern": p}, st.sampled_from(["^a", "b$", "^[ab]*$"])),
    st.builds(lambda v: {"enum": v}, st.lists(_VALUES, min_size=1, max_size=3, unique=True)),
    st.builds(lambda v: {"const": v}, st.sampled_from([0, 1, "a", None, False])),
)


def _object(props: dict[str, Any], required: list[str], extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    if extra is not None:
        schema["additionalProperties"] = extra
    return schema


def _extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.builds(
            _object,
            st.dictionaries(st.sampled_from(NAMES), inner, max_size=3),
            st.lists(st.sampled_from(NAMES), max_size=2, unique=True),
            st.none() | st.booleans() | inner,
        ),
        st.builds(lambda i, n: {"type": "array", "items": i, "maxItems": n}, inner, st.integers(0, 3)),
        st.builds(lambda b: {"anyOf": b}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda b: {"oneOf": b}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda b: {"allOf": b}, st.lists(inner, min_size=1, max_size=2)),
        st.builds(lambda b: {"not": b}, inner),
    )


schemas = st.recursive(leaves, _extend, max_leaves=6)


def _nodes(schema: Any, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(schema, dict):
        found.append(schema)
        for key in ("properties",):
            for sub in schema.get(key, {}).values():
                _nodes(sub, found)
        for key in ("items", "not", "additionalProperties"):
            _nodes(schema.get(key), found)
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(key, []):
                _nodes(sub, found)
    return found


@st.composite
def mutations(draw: st.DrawFn, schema: Any) -> Any:
    """`schema` with one to three local edits of the kinds schema authors make."""
    result = copy.deepcopy(schema)
    for _ in range(draw(st.integers(1, 3))):
        node = draw(st.sampled_from(_nodes(result, [])))
        edit = draw(st.integers(0, 9))
        keys = sorted(node)
        if edit == 0 and keys:
            del node[draw(st.sampled_from(keys))]
        elif edit == 1:
            node.update(copy.deepcopy(draw(leaves)))
        elif edit == 2 and isinstance(node.get("maximum"), int):
            node["maximum"] += draw(st.integers(-2, 2))
        elif edit == 3 and "properties" in node:
            node["properties"][draw(st.sampled_from(NAMES))] = copy.deepcopy(draw(leaves))
        elif edit == 4 and "properties" in node:
            node["required"] = draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True))
        elif edit == 5 and node.get("type") == "object":
            node["additionalProperties"] = copy.deepcopy(draw(st.booleans() | leaves))
        elif edit == 6:
            wrapped = copy.deepcopy(node)
            node.clear()
            node["anyOf"] = [wrapped, copy.deepcopy(draw(leaves))]
        elif edit == 7 and isinstance(node.get("anyOf") or node.get("oneOf"), list):
            branches = node.get("anyOf") or node.get("oneOf")
            branches.append(copy.deepcopy(draw(leaves)))
        elif edit == 8 and "enum" in node:
            node["enum"] = draw(st.lists(_VALUES, min_size=1, max_size=4, unique=True))
        elif edit == 9:
            node["type"] = draw(st.sampled_from(TYPES))
    return result


def is_valid(schema: Any, instance: Any) -> bool:
    validator = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    return bool(validator(schema).is_valid(instance))


def _hypothesis_jsonschema_handles_objects() -> bool:
    """hypothesis-jsonschema 0.23 uses hypothesis internals that newer releases changed: probe once."""
    try:
        find(from_schema({"type": "object", "properties": {"a": {"type": "integer"}}}), lambda _: True)
    except Exception:
        return False
    return True


OBJECTS_SUPPORTED = _hypothesis_jsonschema_handles_objects()


def guided(schema: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values shaped by `schema` (not always valid: callers filter), for what the library cannot draw."""
    if not isinstance(schema, dict) or depth > 4:
        return json_values
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for keyword in ("anyOf", "oneOf", "allOf"):
        if schema.get(keyword):
            return st.one_of([guided(branch, depth + 1) for branch in schema[keyword]])
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else kinds or ["object", "array", "integer", "string", "null"]
    return st.one_of([_typed(schema, kind, depth) for kind in kinds])


def _typed(schema: dict[str, Any], kind: str, depth: int) -> st.SearchStrategy[Any]:
    if kind == "object":
        props = schema.get("properties", {})
        required = {name: guided(props.get(name), depth + 1) for name in schema.get("required", [])}
        optional = {name: guided(sub, depth + 1) for name, sub in props.items() if name not in required}
        extra = st.dictionaries(st.sampled_from(("x", "a", "b")), json_values, max_size=1)
        return st.builds(
            lambda e, fixed: {**e, **fixed}, extra, st.fixed_dictionaries(required, optional=optional)
        )
    if kind == "array":
        return st.lists(guided(schema.get("items"), depth + 1), max_size=3)
    if kind in ("integer", "number"):
        low, high = schema.get("minimum", -6), schema.get("maximum", 6)
        values = st.integers(int(low) - 1, int(high) + 1) if low <= high else st.integers(-6, 6)
        return values if kind == "integer" else values | st.sampled_from([0.5, -1.5, 2.25])
    if kind == "string":
        return st.text(alphabet="abxy", max_size=6)
    return {"null": st.none(), "boolean": st.booleans()}.get(kind, json_values)


def _strategy(schema: Any) -> st.SearchStrategy[Any]:
    """hypothesis-jsonschema's strategy where it works, else values guided by the schema."""
    if not OBJECTS_SUPPORTED:  # any schema may admit objects: the library would crash mid-draw
        return guided(schema)
    try:
        strategy = from_schema(schema)
        strategy.validate()  # builds the lazy strategy now: the choice never depends on a draw
    except Exception:
        return guided(schema)
    return strategy


def instances(data: st.DataObject, schema: Any, count: int) -> list[Any]:
    """Instances valid under `schema` (checked under the schema's own dialect)."""
    drawn = [data.draw(_strategy(schema)) for _ in range(count)]
    return [value for value in drawn if is_valid(schema, value)]
