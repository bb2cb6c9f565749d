"""A conservative proof that two schemas share no instance (for `oneOf` exclusivity)."""

from __future__ import annotations

from typing import Any

from schemaline.sdk.compat.content_model import property_model
from schemaline.sdk.compat.facts import allowed_values, canon, is_everything, types_of, types_within
from schemaline.sdk.compat.refs import Document, External


def _overlapping_types(left: frozenset[str], right: frozenset[str]) -> frozenset[str]:
    shared = {t for t in left if types_within(frozenset([t]), right)}
    shared |= {t for t in right if types_within(frozenset([t]), left)}
    return frozenset(shared)


def disjoint(left_doc: Document, left: Any, right_doc: Document, right: Any, depth: int = 0) -> bool:
    """True only when no instance is valid under both `left` and `right`."""
    left, _ = left_doc.deref(left, "#")
    right, _ = right_doc.deref(right, "#")
    if isinstance(left, External) or isinstance(right, External) or depth > 8:
        return False
    if left is False or right is False:
        return True
    if is_everything(left) or is_everything(right):
        return False
    common = _overlapping_types(types_of(left), types_of(right))
    if not common:
        return True
    left_values, right_values = allowed_values(left), allowed_values(right)
    if (
        left_values is not None
        and right_values is not None
        and not ({canon(v) for v in left_values} & {canon(v) for v in right_values})
    ):
        return True
    if common == {"object"}:
        return _objects_disjoint(left_doc, left, right_doc, right, depth)
    return False


def _objects_disjoint(
    left_doc: Document, left: dict[str, Any], right_doc: Document, right: dict[str, Any], depth: int
) -> bool:
    """Some member required on one side has values the two sides cannot agree on."""
    left_props, right_props = left.get("properties", {}), right.get("properties", {})
    for one, one_doc, one_props, other, other_doc, other_props in (
        (left, left_doc, left_props, right, right_doc, right_props),
        (right, right_doc, right_props, left, left_doc, left_props),
    ):
        for name in one.get("required", []):
            if name in other_props:
                if name in one_props and disjoint(
                    one_doc, one_props[name], other_doc, other_props[name], depth + 1
                ):
                    return True
            elif property_model(other, name, other_doc.draft, unevaluated_applies=False).kind == "closed":
                return True
    return False
