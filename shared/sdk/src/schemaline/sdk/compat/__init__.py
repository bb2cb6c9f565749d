"""Compatibility engine: JSON Schema diff with named change types, levels and policies.

The public API below is a contract used by the registry, the validator and the CLI.
"""

from schemaline.sdk.compat.api import (
    Change,
    Comparison,
    Level,
    Policy,
    SchemaError,
    Verdict,
    check,
    diff,
    validate,
)

__all__ = ["Change", "Comparison", "Level", "Policy", "SchemaError", "Verdict", "check", "diff", "validate"]
