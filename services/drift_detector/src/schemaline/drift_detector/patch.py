"""Schema-patch inference: the smallest change to a schema that accepts the quarantined records.

Only shape is patched: unexpected fields become optional properties of the types seen, a field
seen with another type gets that type added, a required field seen missing becomes optional.
Value rules (minimum, pattern, enum, …) are never loosened; records that break them keep failing
and the proposal reports them, so it can be refused.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonschema

JSON_TYPES = ("null", "boolean", "integer", "number", "string", "array", "object")


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


@dataclass(frozen=True, slots=True)
class PatchStep:
    """One edit of the patch, at a JSON Pointer of the schema."""

    kind: str  # "add_optional_property" | "widen_type" | "make_optional"
    path: str
    detail: str


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record the proposed schema still rejects, with the first reason."""

    index: int
    pointer: str
    message: str


@dataclass(frozen=True)
class PatchProposal:
    schema: dict[str, Any]
    steps: tuple[PatchStep, ...]
    still_rejected: tuple[Rejection, ...] = field(default=())

    @property
    def accepts_all(self) -> bool:
        return not self.still_rejected


def _types_of(schema: dict[str, Any]) -> list[str] | None:
    declared = schema.get("type")
    if declared is None:
        return None
    return [declared] if isinstance(declared, str) else list(declared)


def _set_types(schema: dict[str, Any], types: Iterable[str]) -> None:
    ordered = [name for name in JSON_TYPES if name in set(types)]
    schema["type"] = ordered[0] if len(ordered) == 1 else ordered


def _accepts_type(types: list[str], observed: str) -> bool:
    return observed in types or (observed == "integer" and "number" in types)


class _Patcher:
    def __init__(self) -> None:
        self.steps: list[PatchStep] = []

    def visit(self, schema: dict[str, Any], values: Sequence[Any], path: str) -> None:
        """Patch `schema` (in place) so every value in `values` has a shape it accepts."""
        types = _types_of(schema)
        if types is not None:
            seen = {json_type(value) for value in values}
            missing = sorted(name for name in seen if not _accepts_type(types, name))
            if missing:
                _set_types(schema, [*types, *missing])
                self.steps.append(
                    PatchStep("widen_type", f"{path}/type", f"also accept {', '.join(missing)}")
                )
        objects = [value for value in values if isinstance(value, dict)]
        if objects and ("properties" in schema or schema.get("type") == "object"):
            self._visit_object(schema, objects, path)
        arrays = [item for value in values if isinstance(value, list) for item in value]
        items = schema.get("items")
        if arrays and isinstance(items, dict):
            self.visit(items, arrays, f"{path}/items")

    def _visit_object(self, schema: dict[str, Any], objects: list[dict[str, Any]], path: str) -> None:
        properties: dict[str, Any] = schema.setdefault("properties", {})
        required: list[str] = schema.get("required", [])
        for name in list(required):
            if any(name not in value for value in objects):
                required.remove(name)
                self.steps.append(
                    PatchStep("make_optional", f"{path}/required", f"{name!r} is missing in some records")
                )
        if "required" in schema and not required:
            del schema["required"]
        seen_keys: dict[str, list[Any]] = {}
        for value in objects:
            for key, item in value.items():
                seen_keys.setdefault(key, []).append(item)
        for key, items in seen_keys.items():
            if key in properties:
                sub = properties[key]
                if isinstance(sub, dict):
                    self.visit(sub, items, f"{path}/properties/{_escape(key)}")
                continue
            properties[key] = _infer(items)
            self.steps.append(
                PatchStep(
                    "add_optional_property",
                    f"{path}/properties/{_escape(key)}",
                    f"new optional {key!r} of type {properties[key].get('type')}",
                )
            )


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _infer(values: Sequence[Any]) -> dict[str, Any]:
    """A schema of the types seen, nested for objects and arrays."""
    schema: dict[str, Any] = {}
    _set_types(schema, {json_type(value) for value in values})
    objects = [value for value in values if isinstance(value, dict)]
    if objects:
        keys: dict[str, list[Any]] = {}
        for value in objects:
            for key, item in value.items():
                keys.setdefault(key, []).append(item)
        schema["properties"] = {key: _infer(items) for key, items in keys.items()}
    items = [item for value in values if isinstance(value, list) for item in value]
    if items:
        schema["items"] = _infer(items)
    return schema


def propose_patch(
    schema: dict[str, Any], rejected: Sequence[Any], accepted_sample: Sequence[Any] = ()
) -> PatchProposal:
    """Patch `schema` to accept `rejected`, and check the result against the data.

    The proposal must accept every rejected record and every record of `accepted_sample` (records
    the current version accepts); whatever it still rejects is listed, with its reason.
    """
    patched = copy.deepcopy(schema)
    patcher = _Patcher()
    patcher.visit(patched, list(rejected), "#")
    validator_class = jsonschema.validators.validator_for(patched)
    validator = validator_class(patched)
    still: list[Rejection] = []
    for index, record in enumerate([*rejected, *accepted_sample]):
        error = next(iter(validator.iter_errors(record)), None)
        if error is not None:
            pointer = "/" + "/".join(str(part) for part in error.absolute_path)
            still.append(Rejection(index, pointer, error.message))
    return PatchProposal(patched, tuple(patcher.steps), tuple(still))
