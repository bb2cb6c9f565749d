"""Reject what is not a valid JSON Schema before comparing it.

python `jsonschema`'s metaschema for the schema's dialect is the authority; jsonschema-rs answers
first because it is ~200x faster on large schemas, and python `jsonschema` names the JSON Pointer
of the first error whenever jsonschema-rs has doubts. Regular expressions are compiled here too
(python `jsonschema` checks them with the `regex` format; jsonschema-rs does not).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import jsonschema_rs
import orjson

from schemaline.sdk.compat import pointer
from schemaline.sdk.compat.model import SchemaError
from schemaline.sdk.compat.refs import Document, children


def _pointer(tokens: Any) -> str:
    return pointer.join("#", *tokens)


def metaschema_validator(schema: Any) -> Any:
    """python `jsonschema`'s validator class for the schema's dialect (draft-07 when unsaid)."""
    return jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)


@functools.cache
def _draft7_metaschema() -> Any:
    return jsonschema_rs.validator_for(jsonschema.Draft7Validator.META_SCHEMA)


def _python_check(schema: Any) -> None:
    validator = metaschema_validator(schema)
    try:
        validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise SchemaError(f"{_pointer(exc.absolute_path)}: {exc.message}") from None


def _patterns(node: Any, path: str) -> Iterator[tuple[str, str]]:
    stack = [(node, path)]
    while stack:
        current, where = stack.pop()
        if not isinstance(current, dict):
            continue
        if isinstance(current.get("pattern"), str):
            yield current["pattern"], pointer.join(where, "pattern")
        for regex in current.get("patternProperties") or {}:
            yield regex, pointer.join(where, "patternProperties", regex)
        stack.extend((sub, pointer.join(where, *tokens)) for tokens, sub in children(current))


_INT_RANGE = range(-(2**63), 2**64)  # what orjson and jsonschema-rs, in every consumer, can load


def oversized_integer(value: Any, pointer: str = "") -> str | None:
    """The JSON Pointer of the first integer beyond 64 bits, if any."""
    if isinstance(value, int) and not isinstance(value, bool) and value not in _INT_RANGE:
        return pointer
    children = (
        value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    )
    for key, child in children:
        escaped = str(key).replace("~", "~0").replace("/", "~1")
        if (found := oversized_integer(child, f"{pointer}/{escaped}")) is not None:
            return found
    return None


def validate(schema: Any) -> Document:
    """The schema as a Document, or SchemaError naming the JSON Pointer of what is wrong."""
    if not isinstance(schema, dict | bool):
        raise SchemaError(f"#: a schema is an object or a boolean, not {type(schema).__name__}")
    if (oversized := oversized_integer(schema)) is not None:
        raise SchemaError(f"#{oversized}: integers beyond 64 bits cannot be loaded by every consumer")
    document = Document(schema)  # rejects unknown and unsupported dialects
    try:
        # jsonschema-rs's own meta check reads a schema without `$schema` as 2020-12: those are
        # checked against the draft-07 metaschema instead.
        if isinstance(schema, dict) and "$schema" not in schema:
            fast_ok = _draft7_metaschema().is_valid(schema)
        else:
            fast_ok = jsonschema_rs.meta.is_valid(schema)
    except (ValueError, jsonschema_rs.ReferencingError):
        fast_ok = False
    if not fast_ok:
        _python_check(schema)
    if b'"pattern' in orjson.dumps(schema):
        for regex, where in _patterns(schema, "#"):
            try:
                re.compile(regex)
            except re.error as exc:
                raise SchemaError(f"{where}: {regex!r} is not a valid regular expression ({exc})") from None
    if document.has_references():
        document.check_refs()
    return document
