"""The reference validator: python `jsonschema`, slow and plain, to check the engine against."""

from __future__ import annotations

from typing import Any

import jsonschema
import jsonschema.protocols
import jsonschema.validators

from schemaline.sdk.validation.fingerprint import JsonSchema


def reference_validator(schema: JsonSchema) -> jsonschema.protocols.Validator:
    """A python-jsonschema validator for the schema's `$schema` draft (draft-07 when unsaid)."""
    cls: Any = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    cls.check_schema(schema)
    validator: jsonschema.protocols.Validator = cls(schema)
    return validator
