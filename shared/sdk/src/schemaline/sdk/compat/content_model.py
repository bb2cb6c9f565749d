"""Content models: how a schema treats an object member or array item it does not name.

*open*: nothing constrains it (no `additionalProperties`, or `true`, and no pattern covers it);
*partially open*: a schema-valued `additionalProperties`, `patternProperties` or
`unevaluatedProperties` covers it; *closed*: it is forbidden (`false`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from schemaline.sdk.compat.dialect import Draft
from schemaline.sdk.compat.facts import MISSING, is_everything

Kind = Literal["open", "partial", "closed"]


@dataclass(frozen=True, slots=True)
class Model:
    kind: Kind
    keyword: str | None  # the keyword that decides, for paths and change names
    schemas: tuple[Any, ...] = ()  # the schemas a member must satisfy when partially open


def of(keyword: str | None, schemas: list[Any]) -> Model:
    if any(schema is False for schema in schemas):
        return Model("closed", keyword)
    constraining = tuple(schema for schema in schemas if not is_everything(schema))
    return Model("partial", keyword, constraining) if constraining else Model("open", keyword)


def property_model(node: dict[str, Any], name: str, draft: Draft, unevaluated_applies: bool) -> Model:
    """The model that governs member `name` when `properties` does not name it."""
    patterns = [
        schema for regex, schema in node.get("patternProperties", {}).items() if re.search(regex, name)
    ]
    if patterns:
        return of("patternProperties", patterns)
    return rest_property_model(node, draft, unevaluated_applies)


def rest_property_model(node: dict[str, Any], draft: Draft, unevaluated_applies: bool) -> Model:
    """The model for members neither `properties` nor `patternProperties` names."""
    if "additionalProperties" in node:
        return of("additionalProperties", [node["additionalProperties"]])
    if draft >= Draft.D2019 and unevaluated_applies and "unevaluatedProperties" in node:
        return of("unevaluatedProperties", [node["unevaluatedProperties"]])
    return Model("open", None)


@dataclass(frozen=True, slots=True)
class ArrayView:
    """An array schema in 2020-12 terms, whatever its dialect."""

    prefix: list[Any]
    prefix_keyword: str
    rest: Any  # MISSING when absent
    rest_keyword: str
    tuple_form: bool


def array_view(node: dict[str, Any], draft: Draft) -> ArrayView:
    if draft >= Draft.D2020:
        prefix = node.get("prefixItems")
        return ArrayView(prefix or [], "prefixItems", node.get("items", MISSING), "items", prefix is not None)
    items = node.get("items", MISSING)
    if isinstance(items, list):
        return ArrayView(items, "items", node.get("additionalItems", MISSING), "additionalItems", True)
    return ArrayView([], "items", items, "items", False)


def rest_item_model(node: dict[str, Any], view: ArrayView, draft: Draft, unevaluated_applies: bool) -> Model:
    if view.rest is not MISSING:
        return of(view.rest_keyword, [view.rest])
    if draft >= Draft.D2019 and unevaluated_applies and "unevaluatedItems" in node:
        return of("unevaluatedItems", [node["unevaluatedItems"]])
    return Model("open", None)
