"""Every error leaves as JSON `ErrorOut`, with its PIPE code where one applies."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from schemaline.contracts import CATALOG, FqidError, PipeCode
from schemaline.registry.api.models import ErrorOut
from schemaline.registry.errors import IncompatibleError, RegistryError


def error_response(
    status: int,
    message: str,
    *,
    code: PipeCode | None = None,
    pointer: str | None = None,
    headers: dict[str, str] | None = None,
    incompatible: IncompatibleError | None = None,
) -> JSONResponse:
    body = ErrorOut(
        status=status,
        code=code.value if code else None,
        message=message,
        operator_action=CATALOG[code].action if code else None,
        pointer=pointer,
        changes=list(incompatible.changes) if incompatible else [],
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


async def _registry_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RegistryError)
    incompatible = exc if isinstance(exc, IncompatibleError) else None
    return error_response(
        exc.status, exc.message, code=exc.code, pointer=exc.pointer, incompatible=incompatible
    )


async def _fqid_error(_request: Request, exc: Exception) -> JSONResponse:
    return error_response(422, str(exc))


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    pointer = "/" + "/".join(str(part) for part in first["loc"])
    return error_response(422, f"{first['msg']} ({len(errors)} error(s))", pointer=pointer)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RegistryError, _registry_error)
    app.add_exception_handler(FqidError, _fqid_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
