"""Every error of the Confluent API as Confluent words it: `{"error_code": …, "message": …}`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from schemaline.registry.api.confluent.auth import CHALLENGE
from schemaline.registry.confluent.errors import ConfluentError
from schemaline.registry.errors import RegistryError

MEDIA_TYPE = "application/vnd.schemaregistry.v1+json"


def _body(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        {"error_code": code, "message": message}, status_code=status, headers=headers, media_type=MEDIA_TYPE
    )


async def _confluent(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ConfluentError)
    headers = {"WWW-Authenticate": CHALLENGE} if exc.status == 401 else exc.headers
    return _body(exc.status, exc.code, exc.message, headers)


async def _registry(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RegistryError)
    code = {404: 40401, 409: 409, 422: 42201}.get(exc.status, exc.status * 100)
    return _body(exc.status, code, exc.message)


async def _validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    where = "/".join(str(part) for part in first["loc"])
    return _body(422, 422, f"Unrecognized request ({where}: {first['msg']})")


async def _http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return _body(exc.status_code, exc.status_code, str(exc.detail))


def install(app: FastAPI) -> None:
    app.add_exception_handler(ConfluentError, _confluent)
    app.add_exception_handler(RegistryError, _registry)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
