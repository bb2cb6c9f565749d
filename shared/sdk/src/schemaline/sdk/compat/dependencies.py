"""`dependentRequired`, `dependentSchemas`, and draft 7's `dependencies` that holds both."""

from __future__ import annotations

from typing import Any

from schemaline.sdk.compat import pointer
from schemaline.sdk.compat.context import Context
from schemaline.sdk.compat.dialect import Draft
from schemaline.sdk.compat.facts import is_everything


def _split(
    node: dict[str, Any], draft: Draft
) -> tuple[dict[str, tuple[str, Any]], dict[str, tuple[str, Any]]]:
    arrays: dict[str, tuple[str, Any]] = {}
    schemas: dict[str, tuple[str, Any]] = {}
    if draft <= Draft.D7:
        for name, value in (node.get("dependencies") or {}).items():
            (arrays if isinstance(value, list) else schemas)[name] = ("dependencies", value)
    else:
        for name, value in (node.get("dependentRequired") or {}).items():
            arrays[name] = ("dependentRequired", value)
        for name, value in (node.get("dependentSchemas") or {}).items():
            schemas[name] = ("dependentSchemas", value)
    return arrays, schemas


def compare(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
    if not any(k in old or k in new for k in ("dependencies", "dependentRequired", "dependentSchemas")):
        return
    old_arrays, old_schemas = _split(old, ctx.old.draft)
    new_arrays, new_schemas = _split(new, ctx.new.draft)
    for name in list(old_arrays) + [n for n in new_arrays if n not in old_arrays]:
        keyword, before = old_arrays.get(name, (None, []))
        new_keyword, after = new_arrays.get(name, (None, []))
        where = pointer.join(path, new_keyword or keyword or "dependentRequired", name)
        before_set, after_set = set(before), set(after)
        if before_set == after_set:
            continue
        if not before_set:
            ctx.emit("DEPENDENCY_ARRAY_ADDED", where, None, after, key=name)
        elif not after_set:
            ctx.emit("DEPENDENCY_ARRAY_REMOVED", where, before, None, key=name)
        elif before_set < after_set:
            ctx.emit("DEPENDENCY_ARRAY_EXTENDED", where, before, after, key=name)
        elif after_set < before_set:
            ctx.emit("DEPENDENCY_ARRAY_NARROWED", where, before, after, key=name)
        else:
            ctx.emit("DEPENDENCY_ARRAY_CHANGED", where, before, after, key=name)
    for name in list(old_schemas) + [n for n in new_schemas if n not in old_schemas]:
        keyword, before = old_schemas.get(name, (None, True))
        new_keyword, after = new_schemas.get(name, (None, True))
        where = pointer.join(path, new_keyword or keyword or "dependentSchemas", name)
        if name in old_schemas and name in new_schemas:
            ctx.compare(before, after, where)
        elif name in new_schemas and not is_everything(after):
            ctx.emit("DEPENDENCY_SCHEMA_ADDED", where, None, after, key=name)
        elif name in old_schemas and not is_everything(before):
            ctx.emit("DEPENDENCY_SCHEMA_REMOVED", where, before, None, key=name)
