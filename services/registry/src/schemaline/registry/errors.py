"""Errors of the registry's use cases; the API turns each into a JSON error with its status."""

from __future__ import annotations

from typing import Any

from schemaline.contracts import ChangeSummary, PipeCode
from schemaline.runtime.http.errors import ApiError


class RegistryError(ApiError):
    status = 400


class NotFoundError(RegistryError):
    status = 404


class InvalidSchemaError(RegistryError):
    """The document is not a valid JSON Schema (the pointer says where)."""

    status = 422


class InvalidRequestError(RegistryError):
    status = 422


class IncompatibleError(RegistryError):
    """The candidate breaks the subject's compatibility level: PIPE-1103."""

    status = 409
    code = PipeCode.INCOMPATIBLE_SCHEMA

    def __init__(self, message: str, changes: tuple[ChangeSummary, ...]) -> None:
        super().__init__(message)
        self.changes = changes

    def extra(self) -> dict[str, Any]:
        return {"changes": list(self.changes)}
