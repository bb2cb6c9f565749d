"""Every error leaves as a JSON `ErrorOut`, with its PIPE code and the operator's action where one applies."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException

from schemaline.contracts import CATALOG, FqidError, PipeCode


class ErrorOut(BaseModel):
    """Every error: HTTP status, the PIPE code where one applies, and what to do."""

    status: int = Field(examples=[409])
    code: str | None = Field(default=None, description="PIPE code", examples=["PIPE-1103"])
    message: str
    operator_action: str | None = None
    pointer: str | None = Field(default=None, description="JSON Pointer of what was wrong")


class ApiError(Exception):
    """An error a use case raises for its API to answer with `status` (and `code`, when it has one)."""

    status = 400
    code: PipeCode | None = None

    def __init__(self, message: str, *, pointer: str | None = None, code: PipeCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pointer = pointer
        if code is not None:
            self.code = code

    def extra(self) -> dict[str, Any]:
        """Fields of the error body beyond ErrorOut's (an API with a richer body overrides this)."""
        return {}


class NotFoundError(ApiError):
    status = 404


class InvalidRequestError(ApiError):
    status = 422


class ConflictError(ApiError):
    """The request is well-formed but the state forbids it (not pending, already resolved, gate)."""

    status = 409


class UnavailableError(ApiError):
    """A dependency of the service (the registry, the object store, the bus) did not answer."""

    status = 503


_DESCRIPTIONS = {
    404: "Not found",
    409: "The current state does not allow it",
    422: "Invalid parameter or body",
    503: "A dependency is unreachable (with its PIPE code when one applies)",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` of a route that may answer these error statuses."""
    return {status: {"model": ErrorOut, "description": _DESCRIPTIONS[status]} for status in statuses}


def error_response(
    model: type[ErrorOut],
    status: int,
    message: str,
    *,
    code: PipeCode | None = None,
    pointer: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body = model(
        status=status,
        code=code.value if code else None,
        message=message,
        operator_action=CATALOG[code].action if code else None,
        pointer=pointer,
        **(extra or {}),
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def install_error_handlers(app: FastAPI, model: type[ErrorOut] = ErrorOut) -> None:
    """Answer every error with `model` (a subclass of ErrorOut when an API's errors carry more)."""

    async def api_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(
            model, exc.status, exc.message, code=exc.code, pointer=exc.pointer, extra=exc.extra()
        )

    async def fqid_error(_request: Request, exc: Exception) -> JSONResponse:
        return error_response(model, 422, str(exc))

    async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
        pointer = "/" + "/".join(str(part) for part in first["loc"])
        return error_response(model, 422, f"{first['msg']} ({len(errors)} error(s))", pointer=pointer)

    async def http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        return error_response(model, exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))

    async def store_down(_request: Request, exc: Exception) -> JSONResponse:
        # The service's own database (or a socket it needs) failed: the caller should retry, not fix input.
        return error_response(model, 503, f"service dependency unavailable: {type(exc).__name__}")

    app.add_exception_handler(ApiError, api_error)
    for unavailable in (OperationalError, InterfaceError, OSError):
        app.add_exception_handler(unavailable, store_down)
    app.add_exception_handler(FqidError, fqid_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
