"""What in-place applicators (`allOf`, `$ref`, `if`, ...) evaluate, for `unevaluated*` keywords.

The original side needs a superset (what *may* be evaluated: old data may carry those members
with any value the subschema allowed); the update side needs a subset (what is *surely*
evaluated: `unevaluated*` does not reach it).
"""

from __future__ import annotations

from typing import Any

from schemaline.sdk.compat.dialect import REFS
from schemaline.sdk.compat.refs import Document, External

APPLICATORS = ("allOf", "anyOf", "oneOf", "if", "then", "else", "dependentSchemas", *REFS)
_ANY_PROPERTY = ("patternProperties", "additionalProperties", "unevaluatedProperties")
_ITEM_KEYWORDS = ("prefixItems", "items", "additionalItems", "unevaluatedItems", "contains")


def applicator_part(node: dict[str, Any]) -> dict[str, Any]:
    return {key: node[key] for key in APPLICATORS if key in node}


def _subschemas(doc: Document, node: dict[str, Any], surely: bool) -> list[Any]:
    found: list[Any] = []
    if any(key in node for key in REFS):
        target = doc.resolve(node)
        found.append(target if isinstance(target, External) else target[0])
    found.extend(node.get("allOf", []))
    if not surely:
        found.extend(node.get("anyOf", []))
        found.extend(node.get("oneOf", []))
        found.extend(node[key] for key in ("if", "then", "else") if key in node)
        found.extend((node.get("dependentSchemas") or {}).values())
    return found


def may_evaluate(doc: Document, node: dict[str, Any]) -> tuple[frozenset[str], bool, bool]:
    """Property names applicators may evaluate, whether they may evaluate any property, and items."""
    names: set[str] = set()
    any_property = any_item = False
    seen: set[int] = {id(node)}
    stack = _subschemas(doc, node, surely=False)
    while stack:
        sub = stack.pop()
        if isinstance(sub, External):
            return frozenset(names), True, True
        if not isinstance(sub, dict) or id(sub) in seen:
            continue
        seen.add(id(sub))
        names.update(sub.get("properties", {}))
        any_property = any_property or any(key in sub for key in _ANY_PROPERTY)
        any_item = any_item or any(key in sub for key in _ITEM_KEYWORDS)
        stack.extend(_subschemas(doc, sub, surely=False))
    return frozenset(names), any_property, any_item


def surely_evaluates(doc: Document, node: dict[str, Any]) -> frozenset[str]:
    """Property names that `allOf` and `$ref` subschemas evaluate in every valid instance."""
    names: set[str] = set()
    seen: set[int] = {id(node)}
    stack = _subschemas(doc, node, surely=True)
    while stack:
        sub = stack.pop()
        if not isinstance(sub, dict) or id(sub) in seen:
            continue
        seen.add(id(sub))
        names.update(sub.get("properties", {}))
        stack.extend(_subschemas(doc, sub, surely=True))
    return frozenset(names)
