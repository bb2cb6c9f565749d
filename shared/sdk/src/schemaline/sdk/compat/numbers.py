"""Keywords of numbers: bounds and `multipleOf`."""

from __future__ import annotations

from typing import Any

from schemaline.sdk.compat import bounds, pointer
from schemaline.sdk.compat.context import Context
from schemaline.sdk.compat.facts import as_number

_BOUNDS = (
    ("maximum", "MAXIMUM"),
    ("minimum", "MINIMUM"),
    ("exclusiveMaximum", "EXCLUSIVE_MAXIMUM"),
    ("exclusiveMinimum", "EXCLUSIVE_MINIMUM"),
)


def compare(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
    for keyword, name in _BOUNDS:
        bounds.compare(ctx, old, new, path, keyword, name)
    _multiple_of(ctx, old, new, path)


def _multiple_of(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
    before, after = old.get("multipleOf"), new.get("multipleOf")
    if before is None and after is None:
        return
    where = pointer.join(path, "multipleOf")
    if before is None:
        ctx.emit("MULTIPLE_OF_ADDED", where, None, after)
        return
    if after is None:
        ctx.emit("MULTIPLE_OF_REMOVED", where, before, None)
        return
    ratio = as_number(before) / as_number(after)
    if ratio == 1:
        return
    if ratio.denominator == 1:  # every multiple of the old divisor is a multiple of the new one
        ctx.emit("MULTIPLE_OF_REDUCED", where, before, after)
    elif ratio.numerator == 1:
        ctx.emit("MULTIPLE_OF_EXPANDED", where, before, after)
    else:
        ctx.emit("MULTIPLE_OF_CHANGED", where, before, after)
