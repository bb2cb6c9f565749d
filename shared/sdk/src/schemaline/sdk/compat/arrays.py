"""Keywords of arrays: tuple items under each content model, further items, counts, `contains`."""

from __future__ import annotations

from typing import Any

from schemaline.sdk.compat import bounds, pointer
from schemaline.sdk.compat.content_model import ArrayView, Model, array_view, rest_item_model
from schemaline.sdk.compat.context import Context
from schemaline.sdk.compat.dialect import Draft
from schemaline.sdk.compat.evaluation import applicator_part, may_evaluate
from schemaline.sdk.compat.facts import MISSING, is_everything


def compare(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
    before, after = array_view(old, ctx.old.draft), array_view(new, ctx.new.draft)
    uneval = "unevaluatedItems" in old or "unevaluatedItems" in new
    same_applicators = not uneval or ctx.equivalent(applicator_part(old), applicator_part(new))
    new_rest = rest_item_model(new, after, ctx.new.draft, unevaluated_applies=True)
    # as for objects: two `unevaluatedItems` compare directly, the scope check covers the rest
    old_reached = (
        same_applicators or new_rest.keyword == "unevaluatedItems" or not may_evaluate(ctx.old, old)[2]
    )
    old_rest = rest_item_model(old, before, ctx.old.draft, old_reached)
    _tuple(ctx, before, after, old_rest, new_rest, path)
    _rest(ctx, before, after, old_rest, new_rest, path)
    limited = new_rest.keyword == "unevaluatedItems" and new_rest.kind != "open"
    if limited and not same_applicators and may_evaluate(ctx.old, old)[2]:
        where = pointer.join(path, "unevaluatedItems")
        ctx.emit("UNEVALUATED_ITEMS_SCOPE_CHANGED", where, None, new["unevaluatedItems"])
    bounds.compare(ctx, old, new, path, "maxItems", "MAX_ITEMS")
    bounds.compare(ctx, old, new, path, "minItems", "MIN_ITEMS")
    if bool(old.get("uniqueItems")) != bool(new.get("uniqueItems")):
        kind = "UNIQUE_ITEMS_ADDED" if new.get("uniqueItems") else "UNIQUE_ITEMS_REMOVED"
        ctx.emit(kind, pointer.join(path, "uniqueItems"), old.get("uniqueItems"), new.get("uniqueItems"))
    _contains(ctx, old, new, path)


def _tuple(
    ctx: Context, before: ArrayView, after: ArrayView, old_rest: Model, new_rest: Model, path: str
) -> None:
    shared = min(len(before.prefix), len(after.prefix))
    for index in range(shared):
        ctx.compare(
            before.prefix[index], after.prefix[index], pointer.join(path, after.prefix_keyword, index)
        )
    for index in range(shared, len(before.prefix)):
        item = before.prefix[index]
        where = pointer.join(path, before.prefix_keyword, index)
        if new_rest.kind == "open":
            kind = "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL"
        elif new_rest.kind == "closed":
            kind = "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL" if item is False else ""
            kind = kind or "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL"
        else:
            trial = ctx.attempt(item, new_rest.schemas[0], where)
            ctx.extend(trial.changes)
            covered = "IS_COVERED" if trial.compatible else "NOT_COVERED"
            kind = f"ITEM_REMOVED_{covered}_BY_PARTIALLY_OPEN_CONTENT_MODEL"
        ctx.emit(kind, where, item, None, key=str(index))
    for index in range(shared, len(after.prefix)):
        item = after.prefix[index]
        where = pointer.join(path, after.prefix_keyword, index)
        if old_rest.kind == "open":
            empty = is_everything(item)
            kind = (
                "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"
                if empty
                else "ITEM_ADDED_TO_OPEN_CONTENT_MODEL"
            )
        elif old_rest.kind == "closed":
            kind = "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL"
        else:
            trial = ctx.attempt(old_rest.schemas[0], item, where)
            ctx.extend(trial.changes)
            covered = "IS_COVERED" if trial.compatible else "NOT_COVERED"
            kind = f"ITEM_ADDED_{covered}_BY_PARTIALLY_OPEN_CONTENT_MODEL"
        ctx.emit(kind, where, None, item, key=str(index))


def _rest(
    ctx: Context, before: ArrayView, after: ArrayView, old_rest: Model, new_rest: Model, path: str
) -> None:
    """Items past the tuple (or every item of a list schema)."""
    keyword = new_rest.keyword or old_rest.keyword or after.rest_keyword
    where = pointer.join(path, keyword)
    if old_rest.kind == "partial" and new_rest.kind == "partial":
        ctx.compare(old_rest.schemas[0], new_rest.schemas[0], where)
        return
    if old_rest.kind == new_rest.kind:
        return
    if keyword == "unevaluatedItems":
        name = "UNEVALUATED_ITEMS"
    elif before.tuple_form or after.tuple_form:
        name = "ADDITIONAL_ITEMS"
    else:  # a list schema: its `items` was added or removed
        narrowed = new_rest.kind == "closed" or (new_rest.kind == "partial" and old_rest.kind == "open")
        kind = "SCHEMA_ADDED" if narrowed else "SCHEMA_REMOVED"
        ctx.emit(kind, where, _shown(before.rest), _shown(after.rest))
        return
    if old_rest.kind == "closed":
        suffix = "ADDED"
    elif new_rest.kind == "closed":
        suffix = "REMOVED"
    else:
        suffix = "NARROWED" if new_rest.kind == "partial" else "EXTENDED"
    ctx.emit(f"{name}_{suffix}", where, _shown(before.rest), _shown(after.rest))


def _shown(value: Any) -> Any:
    return None if value is MISSING else value


def _contains(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
    where = pointer.join(path, "contains")
    if "contains" not in new:
        if "contains" in old:
            ctx.emit("CONTAINS_REMOVED", where, old["contains"], None)
        return
    if "contains" not in old:
        ctx.emit("CONTAINS_ADDED", where, None, new["contains"])
        return
    capped = ctx.new.draft >= Draft.D2019 and "maxContains" in new
    if capped and not ctx.equivalent(old["contains"], new["contains"]):
        ctx.emit("CONTAINS_CHANGED", where, old["contains"], new["contains"])
    elif not capped:
        ctx.compare(old["contains"], new["contains"], where)
    old_min = old.get("minContains", 1) if ctx.old.draft >= Draft.D2019 else 1
    new_min = new.get("minContains", 1) if ctx.new.draft >= Draft.D2019 else 1
    if new_min != old_min:
        kind = "MIN_CONTAINS_INCREASED" if new_min > old_min else "MIN_CONTAINS_DECREASED"
        ctx.emit(kind, pointer.join(path, "minContains"), old_min, new_min)
    bounds.compare(ctx, old, new, path, "maxContains", "MAX_CONTAINS")
