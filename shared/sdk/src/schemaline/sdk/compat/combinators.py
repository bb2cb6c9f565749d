"""`allOf` (product types), `anyOf` and `oneOf` (sum types), matched order-independently.

A sum type of the original is covered when each of its alternatives fits some alternative of the
update; a product type of the update holds when each of its subschemas is implied by some subschema
of the original (or by the original as a whole). A `oneOf` of the update also needs its
alternatives to stay exclusive for old data, which `disjoint.py` proves or the engine flags.
"""

from __future__ import annotations

from typing import Any

from schemaline.sdk.compat import pointer
from schemaline.sdk.compat.context import Context
from schemaline.sdk.compat.dialect import ANNOTATIONS, CONTAINERS, IDENTIFIERS
from schemaline.sdk.compat.disjoint import disjoint
from schemaline.sdk.compat.facts import strict_equal

KEYWORDS = ("allOf", "anyOf", "oneOf")
SUMS = ("anyOf", "oneOf")
_SUMMARISED = ("SUM_TYPE_ADDED", "SUM_TYPE_EXTENDED", "PRODUCT_TYPE_ADDED")  # by COMBINED_TYPE_*
_NEUTRAL = ANNOTATIONS | IDENTIFIERS | CONTAINERS | {"$schema"}


def _only(node: dict[str, Any]) -> str | None:
    """The combinator keyword that is the node's only constraint, if any."""
    constraints = [key for key in node if key not in _NEUTRAL]
    return constraints[0] if len(constraints) == 1 and constraints[0] in KEYWORDS else None


def compare_lone(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str) -> bool:
    """A plain schema that became a combination (or back): compare it with the alternatives."""
    old_only, new_only = _only(old), _only(new)
    if new_only and not any(key in old for key in KEYWORDS):
        if new_only == "allOf":
            _added_product(ctx, old, new, path)
        elif not _some_covers(ctx, old, new, path, new_only):
            _closest(ctx, old, new[new_only], pointer.join(path, new_only))
            ctx.emit("SUM_TYPE_ADDED", pointer.join(path, new_only), None, new[new_only], key=new_only)
        return True
    if old_only and not any(key in new for key in KEYWORDS):
        # the changes land where the update replaced the combination: at `path`
        attempts = [ctx.attempt(branch, new, path) for branch in old[old_only]]
        if old_only == "allOf":
            fitting = [trial for trial in attempts if trial.compatible]
            chosen = fitting[:1] or [min(attempts, key=Context.incompatible_count)]
            for trial in chosen:
                ctx.extend(trial.changes)
            if not fitting:
                ctx.emit("COMBINED_TYPE_SUBSCHEMAS_CHANGED", path, old[old_only], None, key=old_only)
            return True
        for trial in attempts:
            ctx.extend(trial.changes)
        if not all(trial.compatible for trial in attempts):
            ctx.emit("SUM_TYPE_NARROWED", path, old[old_only], None, key=old_only)
        return True
    return False


def _closest(ctx: Context, old: dict[str, Any], branches: list[Any], where: str) -> None:
    """Explain a failed match with the changes towards the nearest alternative."""
    attempts = [ctx.attempt(old, branch, pointer.join(where, i)) for i, branch in enumerate(branches)]
    if attempts:
        ctx.extend(min(attempts, key=Context.incompatible_count).changes)


def _added_product(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
    if not _all_hold(ctx, old, new, path, "allOf"):
        ctx.emit("PRODUCT_TYPE_ADDED", pointer.join(path, "allOf"), None, new["allOf"], key="allOf")


def _some_covers(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str, keyword: str) -> bool:
    """Is the whole original accepted by one alternative of the update's sum type?"""
    branches = new[keyword]
    for index, branch in enumerate(branches):
        trial = ctx.attempt(old, branch, pointer.join(path, keyword, index))
        if trial.compatible:
            ctx.extend(trial.changes)
            ctx.emit("SUM_TYPE_EXTENDED", pointer.join(path, keyword), None, branches, key=keyword)
            if keyword == "oneOf":
                for other in range(len(branches)):
                    if other != index and not (
                        disjoint(ctx.new, branch, ctx.new, branches[other])
                        or disjoint(ctx.old, old, ctx.new, branches[other])
                    ):
                        ctx.emit(
                            "ONE_OF_EXCLUSIVITY_UNPROVEN", pointer.join(path, keyword, other), key=str(other)
                        )
            return True
    return False


def _all_hold(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str, keyword: str) -> bool:
    """Does the whole original imply every subschema of the update's product type?"""
    attempts = [
        ctx.attempt(old, branch, pointer.join(path, keyword, i)) for i, branch in enumerate(new[keyword])
    ]
    held = all(trial.compatible for trial in attempts)
    if not held:  # comparing the whole original with one part is noisy: keep only what breaks
        for trial in attempts:
            ctx.extend([change for change in trial.changes if not change.compatible])
    return held


def compare(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
    old_kinds = [key for key in KEYWORDS if key in old]
    new_kinds = [key for key in KEYWORDS if key in new]
    if len(old_kinds) == 1 and len(new_kinds) == 1 and old_kinds != new_kinds:
        _cross(ctx, old, new, path, old_kinds[0], new_kinds[0])
        return
    for keyword in KEYWORDS:
        where = pointer.join(path, keyword)
        if keyword in old and keyword in new:
            if keyword == "allOf":
                _products(ctx, old, new, path)
            else:
                _sums(ctx, old[keyword], new[keyword], path, keyword, keyword)
        elif keyword == "allOf" and keyword in new:
            _added_product(ctx, old, new, path)
        elif keyword in new and not _some_covers(ctx, old, new, path, keyword):
            ctx.emit("SUM_TYPE_ADDED", where, None, new[keyword], key=keyword)
        elif keyword in old:
            kind = "PRODUCT_TYPE_REMOVED" if keyword == "allOf" else "SUM_TYPE_REMOVED"
            ctx.emit(kind, where, old[keyword], None, key=keyword)


def _cross(
    ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str, before: str, after: str
) -> None:
    trial = ctx.trial()
    if before in SUMS and after in SUMS:
        _sums(trial, old[before], new[after], path, before, after)
    elif after == "allOf":
        _added_product(trial, old, new, path)
    elif not _some_covers(trial, old, new, path, after):
        _closest(trial, old, new[after], pointer.join(path, after))
        trial.emit("SUM_TYPE_ADDED", pointer.join(path, after), None, new[after], key=after)
    ctx.extend([change for change in trial.changes if change.type not in _SUMMARISED])
    kind = "COMBINED_TYPE_EXTENDED" if trial.compatible else "COMBINED_TYPE_CHANGED"
    ctx.emit(kind, pointer.join(path, after), before, after, key=after)


def _candidates(ctx: Context, item: Any, others: list[Any], index: int) -> list[int]:
    """Indexes to try: an equal subschema first, then the same position, then the rest."""
    order = [j for j, other in enumerate(others) if ctx.equivalent(item, other)]
    if index < len(others) and index not in order:
        order.append(index)
    return order + [j for j in range(len(others)) if j not in order]


def _sums(ctx: Context, olds: list[Any], news: list[Any], path: str, before: str, after: str) -> None:
    uncovered = False
    for i, branch in enumerate(olds):
        attempts = []
        for j in _candidates(ctx, branch, news, i):
            trial = ctx.attempt(branch, news[j], pointer.join(path, after, j))
            attempts.append(trial)
            if trial.compatible:
                break
        best = attempts[-1] if attempts and attempts[-1].compatible else None
        if best is None and attempts:
            best = min(attempts, key=Context.incompatible_count)
        if best is not None:
            ctx.extend(best.changes)
        uncovered = uncovered or best is None or not best.compatible
    where = pointer.join(path, after)
    if uncovered:
        kind = "SUM_TYPE_NARROWED" if len(news) < len(olds) else "COMBINED_TYPE_SUBSCHEMAS_CHANGED"
        ctx.emit(kind, where, olds, news, key=after)
    elif len(news) > len(olds):
        ctx.emit("SUM_TYPE_EXTENDED", where, olds, news, key=after)
    if after == "oneOf":
        _exclusive(ctx, olds if before == "oneOf" else [], news, path)


def _exclusive(ctx: Context, olds: list[Any], news: list[Any], path: str) -> None:
    """Old data matched one alternative; flag new alternatives that may overlap another."""
    unchanged = [
        any(ctx.equivalent(old, new) for old in olds)
        and not any(k != j and strict_equal(new, other) for k, other in enumerate(news))
        for j, new in enumerate(news)
    ]
    flagged: set[int] = set()
    for j in range(len(news)):
        for k in range(j + 1, len(news)):
            if unchanged[j] and unchanged[k]:
                continue
            if not disjoint(ctx.new, news[j], ctx.new, news[k]):
                flagged.add(k if unchanged[j] else j)
    for j in sorted(flagged):
        ctx.emit("ONE_OF_EXCLUSIVITY_UNPROVEN", pointer.join(path, "oneOf", j), key=str(j))


def _products(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
    olds, news = old["allOf"], new["allOf"]
    unmatched = False
    for j, branch in enumerate(news):
        where = pointer.join(path, "allOf", j)
        attempts = [ctx.attempt(olds[i], branch, where) for i in _candidates(ctx, branch, olds, j)]
        attempts.append(ctx.attempt(old, branch, where))
        fitting = [trial for trial in attempts if trial.compatible]
        best = fitting[0] if fitting else min(attempts, key=Context.incompatible_count)
        ctx.extend(best.changes)
        unmatched = unmatched or not fitting
    where = pointer.join(path, "allOf")
    if unmatched:
        kind = "PRODUCT_TYPE_EXTENDED" if len(news) > len(olds) else "COMBINED_TYPE_SUBSCHEMAS_CHANGED"
        ctx.emit(kind, where, olds, news, key="allOf")
    elif len(news) < len(olds):
        ctx.emit("PRODUCT_TYPE_NARROWED", where, olds, news, key="allOf")
