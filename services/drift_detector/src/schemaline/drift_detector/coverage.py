"""Whether a schema version covers a drift case: it describes every drifted field as seen."""

from __future__ import annotations

from typing import Any

from schemaline.contracts import DriftedField, FieldDriftKind


def _walk(schema: Any, pointer: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None, str]:
    """(parent object schema, field schema, field name) at a record pointer like /customer/tier."""
    parts = [part.replace("~1", "/").replace("~0", "~") for part in pointer.strip("/").split("/")]
    parent: Any = schema
    for part in parts[:-1]:
        if not isinstance(parent, dict):
            return None, None, parts[-1]
        if (part.isdigit() or part in ("*", "-")) and isinstance(parent.get("items"), dict):
            parent = parent["items"]
            continue
        parent = parent.get("properties", {}).get(part)
    if not isinstance(parent, dict):
        return None, None, parts[-1]
    field = parent.get("properties", {}).get(parts[-1])
    return parent, field if isinstance(field, dict) else None, parts[-1]


def covers(schema: dict[str, Any], fields: tuple[DriftedField, ...]) -> bool:
    for drifted in fields:
        parent, field, name = _walk(schema, drifted.pointer)
        if drifted.kind is FieldDriftKind.MISSING:
            if parent is None or name in parent.get("required", []):
                return False
        elif drifted.kind in (FieldDriftKind.UNEXPECTED, FieldDriftKind.TYPE_CHANGED):
            if field is None:
                return False
            declared = field.get("type")
            if declared is not None:
                allowed = {declared} if isinstance(declared, str) else set(declared)
                if "number" in allowed:
                    allowed.add("integer")
                if not set(drifted.observed_types) <= allowed:
                    return False
        else:
            return False
    return True
