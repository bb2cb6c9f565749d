"""The fast-path schema: an equivalent schema that jsonschema-rs checks faster, to pick valid records.

The engine decides which records are valid with this schema and asks the original schema for the
errors of the others, so error messages and classification never see the rewrite. Only rewrites
that keep the set of accepted values exactly are made; the differential tests check it.

One rewrite, measured worth ~20% on the invoice schema: `required` in a *closed* object model
becomes a count of keys. jsonschema-rs looks up every required name in the record (a fresh string
and a hash per name), while `minProperties` reads the dict's size. In a model with
`additionalProperties: false` and no `patternProperties`, a valid record's keys are among
`properties`; with R the required names and O the optional ones, every name of R is present exactly
when the record has at least |R| + |keys ∩ O| keys. `dependentSchemas` adds one to the count per
optional name present (2^|O| nodes, so only when that is at most |R| lookups).
"""

from __future__ import annotations

import copy
from typing import Any

from schemaline.sdk.validation.fingerprint import JsonSchema

# Drafts by `$schema`: where schema-valued dependencies live (2019-09 split `dependencies`).
_DEPENDENT_SCHEMAS = "dependentSchemas"
_DEPENDENCIES = "dependencies"
_KEYWORD_BY_DRAFT = {
    "https://json-schema.org/draft/2020-12/schema": _DEPENDENT_SCHEMAS,
    "https://json-schema.org/draft/2019-09/schema": _DEPENDENT_SCHEMAS,
    "http://json-schema.org/draft-07/schema": _DEPENDENCIES,
    "http://json-schema.org/draft-06/schema": _DEPENDENCIES,
    "http://json-schema.org/draft-04/schema": _DEPENDENCIES,
}
# Keywords whose values are subschemas: one, a list, or a map of them.
_ONE = (
    "items",
    "additionalItems",
    "contains",
    "additionalProperties",
    "unevaluatedItems",
    "unevaluatedProperties",
    "not",
    "if",
    "then",
    "else",
)
_MANY = ("prefixItems", "anyOf", "oneOf", "allOf")
_MAP = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")


def _dependency_keyword(schema: dict[str, Any]) -> str | None:
    declared = schema.get("$schema")
    if declared is None:
        return _DEPENDENCIES  # a schema that names no dialect is draft-07 (compat.dialect)
    if not isinstance(declared, str):
        return None
    return _KEYWORD_BY_DRAFT.get(declared.rstrip("#"))


def _counting(required: int, optional: list[str], present: int, keyword: str) -> dict[str, Any]:
    """At least `required + present` keys, one more for each optional name further down the list."""
    node: dict[str, Any] = {"minProperties": required + present}
    if optional:
        node[keyword] = {
            name: _counting(required, optional[at + 1 :], present + 1, keyword)
            for at, name in enumerate(optional)
        }
    return node


def _count_required(node: dict[str, Any], keyword: str) -> None:
    properties, required = node.get("properties"), node.get("required")
    if (
        node.get("additionalProperties") is not False
        or "patternProperties" in node
        or "minProperties" in node
        or keyword in node
        or not isinstance(properties, dict)
        or not isinstance(required, list)
        or not required
    ):
        return
    names = set(required)
    if not names <= set(properties):
        return
    optional = sorted(set(properties) - names)
    if 2 ** len(optional) > len(names):
        return
    del node["required"]
    node.update(_counting(len(names), optional, 0, keyword))


def _walk(node: Any, keyword: str) -> None:
    if not isinstance(node, dict):
        return
    for name in _ONE:
        _walk(node.get(name), keyword)
    for name in _MANY:
        branches = node.get(name)
        if isinstance(branches, list):
            for branch in branches:
                _walk(branch, keyword)
    for name in _MAP:
        members = node.get(name)
        if isinstance(members, dict):
            for member in members.values():
                _walk(member, keyword)
    _count_required(node, keyword)


def fast_schema(schema: JsonSchema) -> JsonSchema:
    """An equivalent schema for the fast path (a copy; `schema` itself is left as it is)."""
    if not isinstance(schema, dict):
        return schema
    keyword = _dependency_keyword(schema)
    if keyword is None:
        return schema
    fast = copy.deepcopy(schema)
    _walk(fast, keyword)
    return fast
