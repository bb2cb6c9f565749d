"""Numeric keywords that bound a value from above or below."""

from __future__ import annotations

from typing import Any

from schemaline.sdk.compat import pointer
from schemaline.sdk.compat.context import Context
from schemaline.sdk.compat.facts import as_number


def compare(
    ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str, keyword: str, name: str
) -> None:
    """ADDED / REMOVED / INCREASED / DECREASED of `keyword`; the table knows which way is safe."""
    if keyword not in old and keyword not in new:
        return
    where = pointer.join(path, keyword)
    before, after = old.get(keyword), new.get(keyword)
    if before is None:
        ctx.emit(f"{name}_ADDED", where, None, after)
    elif after is None:
        ctx.emit(f"{name}_REMOVED", where, before, None)
    elif as_number(after) > as_number(before):
        ctx.emit(f"{name}_INCREASED", where, before, after)
    elif as_number(after) < as_number(before):
        ctx.emit(f"{name}_DECREASED", where, before, after)
