"""Dialects (drafts) and the keywords each one gives meaning to."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from schemaline.sdk.compat.model import SchemaError


class Draft(IntEnum):
    D6 = 6
    D7 = 7
    D2019 = 2019
    D2020 = 2020


DIALECTS = {
    "http://json-schema.org/draft-06/schema": Draft.D6,
    "http://json-schema.org/draft-07/schema": Draft.D7,
    "https://json-schema.org/draft/2019-09/schema": Draft.D2019,
    "https://json-schema.org/draft/2020-12/schema": Draft.D2020,
}

UNSUPPORTED = ("http://json-schema.org/draft-03/schema", "http://json-schema.org/draft-04/schema")

ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "$comment", "deprecated", "readOnly", "writeOnly"}
)
IDENTIFIERS = frozenset({"$id", "$anchor", "$dynamicAnchor", "$recursiveAnchor"})
CONTAINERS = frozenset({"$defs", "definitions", "$vocabulary"})
CONTENT = frozenset({"contentEncoding", "contentMediaType", "contentSchema"})
REFS = frozenset({"$ref", "$dynamicRef", "$recursiveRef"})

_COMMON = frozenset(
    {
        "$schema",
        "type",
        "enum",
        "const",
        "multipleOf",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "format",
        "items",
        "maxItems",
        "minItems",
        "uniqueItems",
        "contains",
        "maxProperties",
        "minProperties",
        "required",
        "properties",
        "patternProperties",
        "additionalProperties",
        "propertyNames",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
        "$ref",
    }
)
_KNOWN = {
    Draft.D6: _COMMON | {"additionalItems", "dependencies"},
    Draft.D7: _COMMON | {"additionalItems", "dependencies"},
    Draft.D2019: _COMMON
    | {
        "additionalItems",
        "dependentRequired",
        "dependentSchemas",
        "maxContains",
        "minContains",
        "unevaluatedItems",
        "unevaluatedProperties",
        "$recursiveRef",
    },
    Draft.D2020: _COMMON
    | {
        "prefixItems",
        "dependentRequired",
        "dependentSchemas",
        "maxContains",
        "minContains",
        "unevaluatedItems",
        "unevaluatedProperties",
        "$dynamicRef",
    },
}
_EVERYWHERE = ANNOTATIONS | IDENTIFIERS | CONTAINERS | CONTENT


def known_keywords(draft: Draft) -> frozenset[str]:
    return _KNOWN[draft] | _EVERYWHERE


# Confluent's JSON Schema provider reads a schema without `$schema` as draft-07 (array-form `items`,
# `additionalItems` and `dependencies` are then keywords); so does the engine, so that a schema
# means the same here as in every Confluent client and registry.
DEFAULT_DRAFT = Draft.D7
DEFAULT_URI = "http://json-schema.org/draft-07/schema#"


def draft_of(schema: Any) -> Draft:
    """The schema's dialect from `$schema`; draft-07 when absent."""
    if not isinstance(schema, dict) or "$schema" not in schema:
        return DEFAULT_DRAFT
    uri = str(schema["$schema"]).rstrip("#")
    if uri in DIALECTS:
        return DIALECTS[uri]
    if uri in UNSUPPORTED:
        raise SchemaError(f"#/$schema: dialect {uri} is not supported (use draft-06 or later)")
    raise SchemaError(f"#/$schema: unknown dialect {uri}")
