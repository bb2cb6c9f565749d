"""Compiled validators, cached by schema fingerprint: a schema version compiles once, not per record."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import jsonschema_rs
import orjson

from schemaline.contracts import Fingerprint
from schemaline.sdk.compat.api import SchemaError
from schemaline.sdk.compat.dialect import DEFAULT_URI
from schemaline.sdk.validation.fastpath import fast_schema
from schemaline.sdk.validation.fingerprint import JsonSchema, fingerprint, normalized_json
from schemaline.sdk.validation.pointers import pointer
from schemaline.sdk.validation.shape import TopLevelModel, closed_twin, closes_top_level, top_level_model


@dataclass(frozen=True, slots=True, eq=False)
class CompiledSchema:
    """One schema version, ready to validate: its jsonschema-rs validator, the closed twin used to
    spot undescribed fields in open models, its top-level field model, and the list validator of
    the fast path."""

    fingerprint: Fingerprint
    schema: JsonSchema = field(repr=False)
    validator: jsonschema_rs.Validator = field(repr=False)
    twin: jsonschema_rs.Validator | None = field(repr=False)
    top_level: TopLevelModel = field(repr=False)
    # Validates a list of records in one call against the fast-path schema (`fastpath`); its
    # errors' paths start with the record's index, and only say which records fail: `validator`
    # names their errors. None when the schema cannot be wrapped (e.g. a relative `$id`): records
    # then go one by one.
    batch: jsonschema_rs.Validator | None = field(repr=False)
    # True when a valid record may carry a top-level field the schema does not describe that
    # neither the schema nor its twin rejects: each valid record's keys are then looked at.
    check_top_level: bool = field(default=False, repr=False)


RECORD_URI = "urn:schemaline:record"


def _batch_validator(schema: JsonSchema, validate_formats: bool) -> jsonschema_rs.Validator | None:
    schema = fast_schema(schema)
    if isinstance(schema, bool):
        return jsonschema_rs.validator_for({"type": "array", "items": schema}, offline=True)
    # The record schema is its own resource, under its own `$id` when it has one, so that its
    # references keep their meaning.
    own_id = schema.get("$id")
    uri = own_id if isinstance(own_id, str) else RECORD_URI
    wrapper = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "array",
        "items": {"$ref": uri},
    }
    try:
        registry = jsonschema_rs.Registry([(uri, schema)])
        return jsonschema_rs.validator_for(
            wrapper, registry=registry, validate_formats=validate_formats, offline=True
        )
    except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError):
        return None


def _schema_error(exc: Exception, what: str) -> SchemaError:
    if isinstance(exc, jsonschema_rs.ValidationError):
        where = pointer(exc.instance_path) or "/"
        return SchemaError(f"{what} at {where}: {exc.message}")
    return SchemaError(f"{what}: {exc}")


def compile_schema(schema: Any, *, validate_formats: bool = False) -> CompiledSchema:
    """Check `schema` against its meta-schema and compile it. Raises `SchemaError` naming the
    JSON Pointer of what is wrong. Remote `$ref`s are never fetched."""
    if not isinstance(schema, dict | bool):
        raise SchemaError(f"a JSON Schema is an object or a boolean, not {type(schema).__name__}")
    try:
        # A private copy: the cache must not change when the caller's dict does.
        own: JsonSchema = orjson.loads(normalized_json(schema))
        # the registry's fingerprint of the same document: a resolved version and its compiled
        # validator name the same content
        key = fingerprint(own)
    except (TypeError, ValueError) as exc:
        raise SchemaError(f"not JSON-serialisable: {exc}") from None
    if isinstance(own, dict) and "$schema" not in own:
        # A schema that does not say its dialect is draft-07, as the compatibility engine and every
        # Confluent client read it (jsonschema-rs alone would read 2020-12).
        own["$schema"] = DEFAULT_URI
    try:
        jsonschema_rs.meta.validate(own)
    except jsonschema_rs.ValidationError as exc:
        raise _schema_error(exc, "not a valid JSON Schema") from None
    except (jsonschema_rs.ReferencingError, ValueError) as exc:
        raise _schema_error(exc, "not a valid JSON Schema") from None
    try:
        validator = jsonschema_rs.validator_for(own, validate_formats=validate_formats, offline=True)
        twin_schema = closed_twin(own)
        twin = (
            None
            if twin_schema is None
            else jsonschema_rs.validator_for(twin_schema, validate_formats=validate_formats, offline=True)
        )
        batch = _batch_validator(own, validate_formats)
    except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError) as exc:
        raise _schema_error(exc, "cannot compile the schema") from None
    model = top_level_model(own)
    check_top_level = not model.catch_all and not closes_top_level(own, twin_schema)
    return CompiledSchema(key, own, validator, twin, model, batch, check_top_level)


class ValidatorCache:
    """A bounded LRU of compiled schemas keyed by fingerprint; safe to share between threads."""

    def __init__(self, maxsize: int = 256, *, validate_formats: bool = False) -> None:
        self._maxsize = maxsize
        self._validate_formats = validate_formats
        self._entries: OrderedDict[Fingerprint, CompiledSchema] = OrderedDict()
        self._lock = threading.Lock()
        self.compilations = 0

    def get(self, schema: JsonSchema | CompiledSchema) -> CompiledSchema:
        if isinstance(schema, CompiledSchema):
            return schema
        if not isinstance(schema, dict | bool):
            raise SchemaError(f"a JSON Schema is an object or a boolean, not {type(schema).__name__}")
        try:
            key = fingerprint(schema)
        except (TypeError, ValueError) as exc:
            raise SchemaError(f"not JSON-serialisable: {exc}") from None
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        compiled = compile_schema(schema, validate_formats=self._validate_formats)
        with self._lock:
            self.compilations += 1
            self._entries[key] = compiled
            self._entries.move_to_end(key)
            while len(self._entries) > self._maxsize:
                self._entries.popitem(last=False)
        return compiled

    def __len__(self) -> int:
        return len(self._entries)
