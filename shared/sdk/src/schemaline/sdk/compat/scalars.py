"""`type`, `enum` and `const`."""

from __future__ import annotations

from typing import Any

from schemaline.sdk.compat import pointer
from schemaline.sdk.compat.context import Context
from schemaline.sdk.compat.facts import allowed_values, canon, declared_types, types_within


def compare_type(
    ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str, kinds: frozenset[str]
) -> None:
    before, after = declared_types(old), declared_types(new)
    if before == after or (types_within(before, after) and types_within(after, before)):
        return
    where = pointer.join(path, "type")
    shown_old, shown_new = old.get("type", "any"), new.get("type", "any")
    # Confluent reads a type array as a union of types: one that gains or loses members is a
    # SUM_TYPE change; a single type widening (integer → number) is a TYPE change.
    union = isinstance(old.get("type"), list) or isinstance(new.get("type"), list)
    if types_within(kinds, after):
        if types_within(before, after):
            grown = union and before < after
            ctx.emit(
                "SUM_TYPE_EXTENDED" if grown else "TYPE_EXTENDED", where, shown_old, shown_new, key="type"
            )
        # else: the dropped types were unreachable (excluded by `enum`/`const`)
    elif types_within(after, before):
        shrunk = union and after < before and "type" in old
        ctx.emit("SUM_TYPE_NARROWED" if shrunk else "TYPE_NARROWED", where, shown_old, shown_new, key="type")
    else:
        ctx.emit("TYPE_CHANGED", where, shown_old, shown_new)


def compare_enum(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
    before, after = allowed_values(old), allowed_values(new)
    if before is None and after is None:
        return
    keyword = "enum" if "enum" in new or ("enum" in old and "const" not in new) else "const"
    where = pointer.join(path, keyword)
    if before is None:
        ctx.emit("ENUM_ARRAY_ADDED", where, None, after)
        return
    if after is None:  # Confluent's name for a dropped restriction to listed values
        ctx.emit("PRODUCT_TYPE_NARROWED", where, before, None, key=keyword)
        return
    old_set, new_set = {canon(v) for v in before}, {canon(v) for v in after}
    if old_set == new_set:
        return
    if old_set <= new_set:
        ctx.emit("ENUM_ARRAY_EXTENDED", where, before, after)
    elif new_set <= old_set:
        ctx.emit("ENUM_ARRAY_NARROWED", where, before, after)
    else:
        ctx.emit("ENUM_ARRAY_CHANGED", where, before, after)
