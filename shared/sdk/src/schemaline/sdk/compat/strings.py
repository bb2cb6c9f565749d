"""Keywords of strings: lengths, `pattern`, `format`, content annotations."""

from __future__ import annotations

from typing import Any

from schemaline.sdk.compat import bounds, pointer
from schemaline.sdk.compat.context import Context
from schemaline.sdk.compat.dialect import CONTENT
from schemaline.sdk.compat.facts import MISSING, strict_equal


def compare(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
    bounds.compare(ctx, old, new, path, "maxLength", "MAX_LENGTH")
    bounds.compare(ctx, old, new, path, "minLength", "MIN_LENGTH")
    _presence(ctx, old, new, path, "pattern", "PATTERN")
    _presence(ctx, old, new, path, "format", "FORMAT")
    for keyword in sorted(CONTENT):
        _presence(ctx, old, new, path, keyword, "CONTENT_KEYWORD")


def _presence(
    ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str, keyword: str, name: str
) -> None:
    before, after = old.get(keyword, MISSING), new.get(keyword, MISSING)
    if strict_equal(before, after):
        return
    where = pointer.join(path, keyword)
    if before is MISSING:
        ctx.emit(f"{name}_ADDED", where, None, after, key=keyword)
    elif after is MISSING:
        ctx.emit(f"{name}_REMOVED", where, before, None, key=keyword)
    else:
        ctx.emit(f"{name}_CHANGED", where, before, after, key=keyword)
