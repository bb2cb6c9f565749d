"""Keywords of objects: properties under each content model, `required`, extra members,
`propertyNames`, member counts. Dependencies live in `dependencies.py`."""

from __future__ import annotations

import re
from typing import Any

from schemaline.sdk.compat import bounds, content_model, dependencies, pointer
from schemaline.sdk.compat.content_model import Model
from schemaline.sdk.compat.context import Context
from schemaline.sdk.compat.evaluation import applicator_part, may_evaluate, surely_evaluates
from schemaline.sdk.compat.facts import is_everything


class _Scope:
    """Which members `unevaluatedProperties` reaches on each side."""

    def __init__(self, ctx: Context, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.same_applicators, self.old_names, self.old_any = True, frozenset[str](), False
        self.new_surely = frozenset[str]()
        if "unevaluatedProperties" in old or "unevaluatedProperties" in new:  # else none of this matters
            self.same_applicators = ctx.equivalent(applicator_part(old), applicator_part(new))
            self.old_names, self.old_any, _ = may_evaluate(ctx.old, old)
            if "unevaluatedProperties" in new:
                self.new_surely = surely_evaluates(ctx.new, new)

    def old_reaches(self, name: str | None) -> bool:
        """May the original's `unevaluatedProperties` apply to member `name` (None: any other)?"""
        if self.old_any:
            return name is None and self.same_applicators
        if name is not None:
            return name not in self.old_names
        return self.same_applicators or not self.old_names

    def new_reaches(self, name: str) -> bool:
        """Does the update's `unevaluatedProperties` apply to member `name`, as far as we can tell?"""
        return name not in self.new_surely


def compare(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
    old_props: dict[str, Any] = old.get("properties", {})
    new_props: dict[str, Any] = new.get("properties", {})
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    scope = _Scope(ctx, old, new)
    for name, schema in old_props.items():
        where = pointer.join(path, "properties", name)
        if name in new_props:
            ctx.compare(schema, new_props[name], where)
        else:
            _removed(ctx, new, name, schema, where, scope.new_reaches(name))
    for name, schema in new_props.items():
        if name not in old_props:
            added_required = name in new_required and name not in old_required
            _added(ctx, old, name, schema, pointer.join(path, "properties", name), added_required, scope)
    _required(ctx, old_props, new_props, old.get("required", []), new.get("required", []), path)
    _patterns(ctx, old, new, path, scope)
    _rest(ctx, old, new, path, scope)
    _property_names(ctx, old, new, path)
    bounds.compare(ctx, old, new, path, "maxProperties", "MAX_PROPERTIES")
    bounds.compare(ctx, old, new, path, "minProperties", "MIN_PROPERTIES")
    dependencies.compare(ctx, old, new, path)


def _removed(ctx: Context, new: dict[str, Any], name: str, schema: Any, where: str, reached: bool) -> None:
    model = content_model.property_model(new, name, ctx.new.draft, reached)
    if model.kind == "open":
        ctx.emit("PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", where, schema, None, key=name)
    elif model.kind == "closed":
        kind = "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL"
        ctx.emit(
            kind if schema is False else "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
            where,
            schema,
            None,
            key=name,
        )
    else:
        covered = True
        for cover in model.schemas:  # every matching subschema applies to the member
            trial = ctx.attempt(schema, cover, where)
            ctx.extend(trial.changes)
            covered = covered and trial.compatible
        suffix = "IS_COVERED" if covered else "NOT_COVERED"
        ctx.emit(f"PROPERTY_REMOVED_{suffix}_BY_PARTIALLY_OPEN_CONTENT_MODEL", where, schema, None, key=name)


def _best(ctx: Context, covers: tuple[Any, ...], schema: Any, where: str) -> Context:
    """The first cover that proves `schema` accepts old values, else the closest attempt."""
    attempts = []
    for cover in covers:
        trial = ctx.attempt(cover, schema, where)
        if trial.compatible:
            return trial
        attempts.append(trial)
    return min(attempts, key=Context.incompatible_count)


def _added(
    ctx: Context, old: dict[str, Any], name: str, schema: Any, where: str, required: bool, scope: _Scope
) -> None:
    model = content_model.property_model(old, name, ctx.old.draft, scope.old_reaches(name))
    has_default = isinstance(schema, dict) and "default" in schema
    default = "_WITH_DEFAULT" if has_default else ""
    if model.kind == "open":
        if required:
            kind = f"REQUIRED_PROPERTY{default}_ADDED_TO_OPEN_CONTENT_MODEL"
        elif is_everything(schema):
            kind = "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"
        else:
            kind = "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
        ctx.emit(kind, where, None, schema, key=name)
        return
    if model.kind == "partial":
        trial = _best(ctx, model.schemas, schema, where)
        ctx.extend(trial.changes)
        suffix = "IS_COVERED" if trial.compatible else "NOT_COVERED"
        ctx.emit(f"PROPERTY_ADDED_{suffix}_BY_PARTIALLY_OPEN_CONTENT_MODEL", where, None, schema, key=name)
    if required:
        ctx.emit(f"REQUIRED_PROPERTY{default}_ADDED_TO_UNOPEN_CONTENT_MODEL", where, None, schema, key=name)
    else:
        ctx.emit("OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", where, None, schema, key=name)


def _required(
    ctx: Context,
    old_props: dict[str, Any],
    new_props: dict[str, Any],
    old_required: list[str],
    new_required: list[str],
    path: str,
) -> None:
    for name in old_required:
        if name not in new_required:
            ctx.emit("REQUIRED_ATTRIBUTE_REMOVED", pointer.join(path, "required", name), name, None, key=name)
    for name in new_required:
        if name in old_required or (name in new_props and name not in old_props):
            continue  # a new property's required-ness is part of its content-model change
        schema = new_props.get(name)
        kind = "REQUIRED_ATTRIBUTE_ADDED"
        if isinstance(schema, dict) and "default" in schema:
            kind = "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED"
        ctx.emit(kind, pointer.join(path, "required", name), None, name, key=name)


def _patterns(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str, scope: _Scope) -> None:
    old_patterns: dict[str, Any] = old.get("patternProperties", {})
    new_patterns: dict[str, Any] = new.get("patternProperties", {})
    for regex, schema in old_patterns.items():
        where = pointer.join(path, "patternProperties", regex)
        if regex in new_patterns:
            ctx.compare(schema, new_patterns[regex], where)
            continue
        model = content_model.rest_property_model(new, ctx.new.draft, unevaluated_applies=True)
        covered = _covers(ctx, schema, model, where, old_side=False)
        kind = "PATTERN_PROPERTY_REMOVED_IS_COVERED" if covered else "PATTERN_PROPERTY_REMOVED_NOT_COVERED"
        ctx.emit(kind, where, schema, None, key=regex)
    for regex, schema in new_patterns.items():
        if regex in old_patterns:
            continue
        where = pointer.join(path, "patternProperties", regex)
        covered = is_everything(schema) or _pattern_added_is_covered(ctx, old, regex, schema, where, scope)
        kind = "PATTERN_PROPERTY_ADDED_IS_COVERED" if covered else "PATTERN_PROPERTY_ADDED_NOT_COVERED"
        ctx.emit(kind, where, None, schema, key=regex)


def _covers(ctx: Context, schema: Any, model: Model, where: str, old_side: bool) -> bool:
    """Does `model` accept every value of `schema` (or, on the old side, the reverse)?"""
    if model.kind == "open":
        return not old_side
    if model.kind == "closed":
        return old_side or schema is False
    for cover in model.schemas:
        trial = ctx.attempt(cover, schema, where) if old_side else ctx.attempt(schema, cover, where)
        if old_side and trial.compatible:
            return True
        if not old_side and not trial.compatible:
            return False
    return not old_side


def _pattern_added_is_covered(
    ctx: Context, old: dict[str, Any], regex: str, schema: Any, where: str, scope: _Scope
) -> bool:
    for name, prop in old.get("properties", {}).items():
        if re.search(regex, name) and not ctx.attempt(prop, schema, where).compatible:
            return False
    if old.get("patternProperties"):
        return False  # old data may hold names matching both patterns: not provable here
    model = content_model.rest_property_model(old, ctx.old.draft, scope.old_reaches(None))
    return _covers(ctx, schema, model, where, old_side=True)


def _rest(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str, scope: _Scope) -> None:
    """Members no property or pattern names, on both sides."""
    after = content_model.rest_property_model(new, ctx.new.draft, unevaluated_applies=True)
    # When both sides end in `unevaluatedProperties`, compare them directly: the scope check below
    # flags every member the update's keyword may reach that the original's did not.
    old_reached = scope.old_reaches(None) or after.keyword == "unevaluatedProperties"
    before = content_model.rest_property_model(old, ctx.old.draft, old_reached)
    keyword = after.keyword or before.keyword or "additionalProperties"
    name = "UNEVALUATED_PROPERTIES" if keyword == "unevaluatedProperties" else "ADDITIONAL_PROPERTIES"
    where = pointer.join(path, keyword)
    old_value, new_value = old.get(keyword), new.get(keyword)
    if before.kind == "closed" and after.kind != "closed":
        ctx.emit(f"{name}_ADDED", where, False, new_value)
    elif before.kind != "closed" and after.kind == "closed":
        ctx.emit(f"{name}_REMOVED", where, old_value, False)
    elif before.kind == "open" and after.kind == "partial":
        ctx.emit(f"{name}_NARROWED", where, old_value, new_value)
    elif before.kind == "partial" and after.kind == "open":
        ctx.emit(f"{name}_EXTENDED", where, old_value, new_value)
    elif before.kind == "partial" and after.kind == "partial":
        for cover in after.schemas:
            ctx.compare(before.schemas[0], cover, where)
    reaches_old = scope.old_any or not scope.old_names <= scope.new_surely | set(new.get("properties", {}))
    limited = after.keyword == "unevaluatedProperties" and after.kind != "open"
    if limited and reaches_old and not scope.same_applicators:
        ctx.emit("UNEVALUATED_PROPERTIES_SCOPE_CHANGED", where, None, new_value)


def _property_names(ctx: Context, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
    where = pointer.join(path, "propertyNames")
    if "propertyNames" in new and "propertyNames" in old:
        ctx.compare(old["propertyNames"], new["propertyNames"], where)
    elif "propertyNames" in new and not is_everything(new["propertyNames"]):
        ctx.emit("PROPERTY_NAMES_ADDED", where, None, new["propertyNames"])
    elif "propertyNames" in old and not is_everything(old["propertyNames"]):
        ctx.emit("PROPERTY_NAMES_REMOVED", where, old["propertyNames"], None)
