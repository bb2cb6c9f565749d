"""What a schema says about record shape: its top-level field model and its "closed twin".

The profile needs to know which top-level fields the schema describes. Nested fields that an open
content model lets through are found by validating valid records against the *closed twin*: the
same schema with `additionalProperties: false` added to every object model that leaves it open.
A record the schema accepts and the twin rejects carries fields the schema does not describe.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from schemaline.sdk.validation.fingerprint import JsonSchema

# Keywords whose interplay makes closing an object model change what the schema means.
_TWIN_BLOCKERS = frozenset(
    {
        "allOf",
        "not",
        "if",
        "then",
        "else",
        "dependentSchemas",
        "dependencies",
        "$dynamicRef",
        "$recursiveRef",
        "unevaluatedProperties",
        "unevaluatedItems",
    }
)
_OPENNESS = ("additionalProperties", "patternProperties", "unevaluatedProperties")
_OPEN_OR_CLOSED = frozenset({"properties", *_OPENNESS})
# Keywords holding one subschema, a list of subschemas, or a map of subschemas.
_ONE = ("items", "additionalItems", "contains", "propertyNames", "additionalProperties", "not")
_MANY = ("prefixItems", "anyOf", "oneOf", "allOf")
_MAP = ("properties", "patternProperties", "$defs", "definitions")


@dataclass(frozen=True, slots=True)
class TopLevelModel:
    """Which top-level fields the schema describes (by name, by pattern, or by a catch-all schema)."""

    names: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]
    catch_all: bool

    def describes(self, name: str) -> bool:
        if self.catch_all or name in self.names:
            return True
        return any(p.search(name) for p in self.patterns)


def _resolve_local(root: JsonSchema, ref: str) -> Any:
    if not ref.startswith("#"):
        return None
    node: Any = root
    for raw in ref[1:].split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


def top_level_model(root: JsonSchema) -> TopLevelModel:
    """Union over the root schema, its local `$ref`s and its `allOf`/`anyOf`/`oneOf` branches.

    Anything it cannot follow (a remote `$ref`) counts as describing every field, so the profile
    never reports a field as unexpected on a guess.
    """
    names: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    catch_all = False
    seen: set[int] = set()
    todo: list[Any] = [root]
    while todo:
        node = todo.pop()
        if node is True or (isinstance(node, dict) and not node):
            catch_all = True
            continue
        if not isinstance(node, dict) or id(node) in seen:
            continue
        seen.add(id(node))
        properties = node.get("properties")
        if isinstance(properties, dict):
            names.update(properties)
        for regex in node.get("patternProperties") or {}:
            try:
                patterns.append(re.compile(regex))
            except re.error:
                catch_all = True
        for keyword in ("additionalProperties", "unevaluatedProperties"):
            if isinstance(node.get(keyword), dict):
                catch_all = True
        if "$ref" in node:
            target = _resolve_local(root, node["$ref"])
            if target is None:
                catch_all = True
            else:
                todo.append(target)
        for keyword in ("allOf", "anyOf", "oneOf"):
            branches = node.get(keyword)
            if isinstance(branches, list):
                todo.extend(branches)
    return TopLevelModel(frozenset(names), tuple(patterns), catch_all)


def _walk(node: Any, visit: Any) -> None:
    if not isinstance(node, dict):
        return
    visit(node)
    for keyword in _ONE:
        _walk(node.get(keyword), visit)
    for keyword in _MANY:
        branches = node.get(keyword)
        if isinstance(branches, list):
            for branch in branches:
                _walk(branch, visit)
    for keyword in _MAP:
        members = node.get(keyword)
        if isinstance(members, dict):
            for member in members.values():
                _walk(member, visit)


def closed_twin(schema: JsonSchema) -> JsonSchema | None:
    """The schema with every open object model closed, or None when there is nothing to close
    or the schema uses keywords (`allOf`, `not`, conditionals, `$ref` beside `properties`...)
    under which closing a model would reject records for reasons other than unexpected fields."""
    if not isinstance(schema, dict):
        return None
    twin = copy.deepcopy(schema)
    blocked = False
    opened: list[dict[str, Any]] = []

    def visit(node: dict[str, Any]) -> None:
        nonlocal blocked
        if _TWIN_BLOCKERS.intersection(node) or ("$ref" in node and not _OPEN_OR_CLOSED.isdisjoint(node)):
            blocked = True
        if "properties" in node and not any(keyword in node for keyword in _OPENNESS):
            opened.append(node)

    _walk(twin, visit)
    if blocked or not opened:
        return None
    for node in opened:
        node["additionalProperties"] = False
    return twin


def closes_top_level(schema: JsonSchema, twin: JsonSchema | None) -> bool:
    """Whether every record with a top-level field the root model does not describe is rejected,
    by the schema itself (`additionalProperties: false` at the root) or by its closed twin.
    When not, the engine looks at each valid record's keys to find such fields."""
    if schema is False:
        return True
    if not isinstance(schema, dict):
        return False
    if schema.get("additionalProperties") is False:
        return True
    return isinstance(twin, dict) and twin.get("additionalProperties") is False
