"""Confluent's error vocabulary: an HTTP status and a five-digit error code in every error body."""

from __future__ import annotations

from schemaline.contracts import ChangeSummary
from schemaline.registry.errors import IncompatibleError


class ConfluentError(Exception):
    """Leaves the API as `{"error_code": CODE, "message": MESSAGE}` with `status`."""

    def __init__(self, status: int, code: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def subject_not_found(subject: str) -> ConfluentError:
    return ConfluentError(404, 40401, f"Subject '{subject}' not found.")


def version_not_found(subject: str, version: object) -> ConfluentError:
    return ConfluentError(404, 40402, f"Version {version} not found for subject '{subject}'.")


def schema_not_found(what: str = "Schema not found") -> ConfluentError:
    return ConfluentError(404, 40403, what)


def invalid_schema(message: str) -> ConfluentError:
    return ConfluentError(422, 42201, f"Invalid schema: {message}")


def invalid_subject(subject: str, why: str) -> ConfluentError:
    return ConfluentError(422, 42208, f"Invalid subject '{subject}': {why}")


def not_permitted(message: str) -> ConfluentError:
    return ConfluentError(422, 42205, message)


def difference(change: ChangeSummary) -> str:
    """Confluent's wording of one change, then ours."""
    where = f"Difference{{jsonPath='{change.path}', type={change.type}}}"
    return f"Found incompatible change: {where}: {change.message}"


def incompatible(subject: str, error: IncompatibleError) -> ConfluentError:
    details = ", ".join(difference(change) for change in error.changes if not change.compatible)
    return ConfluentError(
        409,
        409,
        f'Schema being registered is incompatible with an earlier schema for subject "{subject}", '
        f"details: [{details}] (PIPE-1103: {error.message})",
    )
