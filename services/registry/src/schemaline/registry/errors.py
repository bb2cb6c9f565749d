"""Errors of the registry's use cases; the API turns each into a JSON error with its status."""

from __future__ import annotations

from schemaline.contracts import ChangeSummary, PipeCode


class RegistryError(Exception):
    status = 400
    code: PipeCode | None = None

    def __init__(self, message: str, *, pointer: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pointer = pointer


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
