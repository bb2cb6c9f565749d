"""JSON Schemas of every event envelope, as published in docs/events/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from schemaline.contracts.envelope import Envelope
from schemaline.contracts.events import EVENT_MODELS


def event_schemas() -> dict[str, dict[str, Any]]:
    """detail-type → JSON Schema (2020-12) of its full envelope."""
    schemas: dict[str, dict[str, Any]] = {}
    for model in EVENT_MODELS:
        schema = Envelope[model].model_json_schema(by_alias=True)  # type: ignore[valid-type]
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = model.DETAIL_TYPE
        schema["description"] = (model.__doc__ or "").strip()
        schema["properties"]["detail-type"] = {
            "const": model.DETAIL_TYPE,
            "description": "Event name",
            "title": "Detail-Type",
        }
        schemas[model.DETAIL_TYPE] = schema
    return schemas


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_event_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in event_schemas().items():
        path = folder / f"{name}.json"
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written
