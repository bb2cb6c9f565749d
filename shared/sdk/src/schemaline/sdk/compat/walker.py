"""The recursive comparison of two subschemas, keyword group by keyword group.

Each group proves that the update's constraint in that group holds for every instance of the
original; the update is the conjunction of its groups, so their proofs together prove the whole.
A group that cannot prove it emits an incompatible change.
"""

from __future__ import annotations

from typing import Any

import orjson

from schemaline.sdk.compat import arrays, combinators, logic, metadata, numbers, objects, scalars, strings
from schemaline.sdk.compat.context import Context
from schemaline.sdk.compat.facts import NUMERIC, types_of
from schemaline.sdk.compat.refs import External


def walk(ctx: Context, old: Any, new: Any, path: str) -> None:
    if old is False:
        return  # the original accepts nothing: every update is compatible
    old, _ = ctx.old.deref(old, path)
    new, path = ctx.new.deref(new, path)
    if isinstance(old, External) or isinstance(new, External):
        if old != new:
            ctx.emit("EXTERNAL_REFERENCE_CHANGED", path, _uri(old), _uri(new))
        return
    if old is False:
        return
    old = {} if old is True else old
    if new is False:
        ctx.emit("TYPE_NARROWED", path, old.get("type", "any"), "nothing (false)")
        return
    new = {} if new is True else new
    if old == new and _same(ctx, old, new):
        return
    shared = ctx.shared
    key = (id(old), id(new), path, ctx.swapped)
    if key in shared.memo:
        ctx.extend(shared.memo[key])
        return
    if key in shared.in_progress:
        return  # a recursive schema: assume the pair compatible while proving it
    shared.in_progress.add(key)
    mark = len(shared.memo_log)
    trial = ctx.trial()
    _keywords(trial, old, new, path)
    shared.in_progress.discard(key)
    if not trial.compatible:  # what was concluded under the assumption cannot be reused
        for stale in shared.memo_log[mark:]:
            shared.memo.pop(stale, None)
        del shared.memo_log[mark:]
    shared.memo[key] = tuple(trial.changes)
    shared.memo_log.append(key)
    ctx.extend(trial.changes)


_REFERENCES = (b'"$ref":', b'"$dynamicRef":', b'"$recursiveRef":')


def _same(ctx: Context, old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Equal in JSON's sense (no `true == 1`), references included: nothing to report."""
    text = orjson.dumps(old, option=orjson.OPT_SORT_KEYS)
    if text == orjson.dumps(new, option=orjson.OPT_SORT_KEYS) and not any(ref in text for ref in _REFERENCES):
        return True
    return ctx.equivalent(old, new)


def _uri(node: Any) -> Any:
    return node.uri if isinstance(node, External) else "an inline schema"


def _keywords(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
    metadata.compare(ctx, old, new, path)
    metadata.compare_unknown(ctx, old, new, path)
    if combinators.compare_lone(ctx, old, new, path):
        return
    kinds = types_of(old)
    scalars.compare_type(ctx, old, new, path, kinds)
    scalars.compare_enum(ctx, old, new, path)
    if kinds & NUMERIC:
        numbers.compare(ctx, old, new, path)
    if "string" in kinds:
        strings.compare(ctx, old, new, path)
    if "object" in kinds:
        objects.compare(ctx, old, new, path)
    if "array" in kinds:
        arrays.compare(ctx, old, new, path)
    combinators.compare(ctx, old, new, path)
    logic.compare_not(ctx, old, new, path)
    logic.compare_conditional(ctx, old, new, path)
    logic.compare_references(ctx, old, new, path)
