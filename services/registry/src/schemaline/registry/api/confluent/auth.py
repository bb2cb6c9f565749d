"""Credentials as Confluent clients send them, mapped onto the registry's tokens and roles.

HTTP basic: the user is the token's principal name and the password is the token
(`basic.auth.user.info = NAME:TOKEN`). Bearer: the token itself (confluent-kafka's STATIC_TOKEN).
Both reach the same principal, whose role grants the same permissions as on `/api/v1`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from schemaline.registry.confluent.errors import ConfluentError
from schemaline.runtime.http.auth import PERMISSIONS, Permission, Principal, TokenTable
from schemaline.runtime.http.limits import RateLimiter, retry_after

CHALLENGE = 'Basic realm="schemaline", Bearer'


class UnauthorizedError(ConfluentError):
    def __init__(self, message: str) -> None:
        super().__init__(401, 401, message)


def principal_of(tokens: TokenTable, authorization: str | None) -> Principal:
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() == "bearer" and value:
        found = tokens.principal(value.strip())
    elif scheme.lower() == "basic" and value:
        try:
            user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise UnauthorizedError("malformed basic credentials") from None
        found = tokens.principal(password)
        if found is not None and not hmac.compare_digest(found.name.encode(), user.encode()):
            found = None  # the right token under another principal's name
    else:
        raise UnauthorizedError("credentials are required: HTTP basic (principal:token) or a bearer token")
    if found is None:
        raise UnauthorizedError("unknown credentials")
    return found


def require(permission: Permission) -> Callable[..., Awaitable[Principal]]:
    async def dependency(request: Request) -> Principal:
        principal = principal_of(request.app.state.tokens, request.headers.get("Authorization"))
        if permission not in PERMISSIONS[principal.role]:
            raise ConfluentError(
                403, 40301, f"User {principal.name} (role {principal.role.value}) may not {permission.value}"
            )
        return principal

    return dependency


def require_limited(permission: Permission) -> Callable[..., Awaitable[Principal]]:
    """`require`, then one request of the principal's share (429 beyond it), as on `/api/v1`."""
    admitted = require(permission)

    async def dependency(request: Request) -> Principal:
        principal = await admitted(request)
        limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
        if limiter is not None and (wait := limiter.take(principal.name)) is not None:
            raise ConfluentError(429, 42901, f"{principal.name}: too many requests", retry_after(wait))
        return principal

    return dependency


Reader = Annotated[Principal, Depends(require(Permission.READ))]
Proposer = Annotated[Principal, Depends(require(Permission.PROPOSE))]
# The expensive routes (a schema parsed and checked): the same roles, rate-limited per principal.
LimitedReader = Annotated[Principal, Depends(require_limited(Permission.READ))]
LimitedProposer = Annotated[Principal, Depends(require_limited(Permission.PROPOSE))]
Configurer = Annotated[Principal, Depends(require(Permission.CONFIGURE))]
Governor = Annotated[Principal, Depends(require(Permission.GOVERN))]
