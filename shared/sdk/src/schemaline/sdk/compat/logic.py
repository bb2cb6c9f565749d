"""`not`, `if`/`then`/`else`, and references that sit beside other keywords (2019-09 and later)."""

from __future__ import annotations

from typing import Any

from schemaline.sdk.compat import pointer
from schemaline.sdk.compat.context import Context
from schemaline.sdk.compat.dialect import REFS
from schemaline.sdk.compat.facts import MISSING, is_everything
from schemaline.sdk.compat.refs import External


def compare_not(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
    where = pointer.join(path, "not")
    if "not" in old and "not" in new:
        # `not B` accepts all `not A` accepts exactly when B accepts no more than A: compare reversed.
        reverse = ctx.reversed()
        ctx.shared.walk(reverse, new["not"], old["not"], where)
        if reverse.changes:
            kind = "NOT_TYPE_NARROWED" if reverse.compatible else "NOT_TYPE_EXTENDED"
            ctx.emit(kind, where, old["not"], new["not"])
    elif "not" in new and new["not"] is not False:
        ctx.emit("NOT_TYPE_ADDED", where, None, new["not"])
    elif "not" in old and old["not"] is not False:
        ctx.emit("NOT_TYPE_REMOVED", where, old["not"], None)


def compare_conditional(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
    old_if, new_if = old.get("if", MISSING), new.get("if", MISSING)
    if old_if is MISSING and new_if is MISSING:
        return
    where = pointer.join(path, "if")
    old_branches = (old.get("then", True), old.get("else", True))
    new_branches = (new.get("then", True), new.get("else", True))
    if old_if is MISSING:
        if not all(is_everything(branch) for branch in new_branches):
            ctx.emit("CONDITIONAL_ADDED", where, None, new_if)
    elif new_if is MISSING:
        if not all(is_everything(branch) for branch in old_branches):
            ctx.emit("CONDITIONAL_REMOVED", where, old_if, None)
    elif ctx.equivalent(old_if, new_if):
        ctx.compare(old_branches[0], new_branches[0], pointer.join(path, "then"))
        ctx.compare(old_branches[1], new_branches[1], pointer.join(path, "else"))
    else:
        ctx.emit("CONDITIONAL_CHANGED", where, old_if, new_if)


def compare_references(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
    """A reference with siblings is one more conjunct: the update's must hold for old data."""
    if not any(key in new for key in REFS):
        return
    new_target = ctx.new.resolve(new)
    old_target = ctx.old.resolve(old) if any(key in old for key in REFS) else None
    if isinstance(new_target, External):
        if old_target != new_target:
            shown = old_target.uri if isinstance(old_target, External) else None
            ctx.emit("EXTERNAL_REFERENCE_CHANGED", pointer.join(path, "$ref"), shown, new_target.uri)
        return
    target, target_path = new_target
    if old_target is not None and not isinstance(old_target, External):
        trial = ctx.attempt(old_target[0], target, target_path)
        if trial.compatible:
            ctx.extend(trial.changes)
            return
    ctx.compare(old, target, target_path)
