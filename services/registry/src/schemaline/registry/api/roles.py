"""The principal each endpoint admits, as annotated dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from schemaline.registry.auth import Permission, Principal, require

Reader = Annotated[Principal, Depends(require(Permission.READ))]
Proposer = Annotated[Principal, Depends(require(Permission.PROPOSE))]
Configurer = Annotated[Principal, Depends(require(Permission.CONFIGURE))]
Governor = Annotated[Principal, Depends(require(Permission.GOVERN))]

AUTH_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "The token's role does not grant this"},
}
