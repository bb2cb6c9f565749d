"""Annotations, identifiers, and keywords outside the dialect."""

from __future__ import annotations

from typing import Any

from schemaline.sdk.compat import pointer
from schemaline.sdk.compat.context import Context
from schemaline.sdk.compat.dialect import ANNOTATIONS, IDENTIFIERS, known_keywords
from schemaline.sdk.compat.facts import MISSING, strict_equal

_NAMED = {"title": "TITLE_CHANGED", "description": "DESCRIPTION_CHANGED", "default": "DEFAULT_CHANGED"}


def _value(node: dict[str, Any], key: str) -> Any:
    return node.get(key, MISSING)


def compare(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
    for key in ("$schema", *sorted(IDENTIFIERS), *sorted(ANNOTATIONS)):
        before, after = _value(old, key), _value(new, key)
        if (before is MISSING and after is MISSING) or strict_equal(before, after):
            continue
        if key == "$schema":
            kind = "DIALECT_CHANGED"
        elif key in IDENTIFIERS:
            kind = "ID_CHANGED"
        else:
            kind = _NAMED.get(key, "ANNOTATION_CHANGED")
        ctx.emit(kind, pointer.join(path, key), _shown(before), _shown(after), key=key)


def _shown(value: Any) -> Any:
    return None if value is MISSING else value


def compare_unknown(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
    old_known, new_known = known_keywords(ctx.old.draft), known_keywords(ctx.new.draft)
    for key in list(old) + [k for k in new if k not in old]:
        if not ((key in old and key not in old_known) or (key in new and key not in new_known)):
            continue
        before, after = _value(old, key), _value(new, key)
        if not strict_equal(before, after):
            ctx.emit(
                "UNKNOWN_KEYWORD_CHANGED", pointer.join(path, key), _shown(before), _shown(after), key=key
            )
