"""Bearer tokens → roles → permissions. No token: 401; a role without the permission: 403."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from schemaline.runtime.http.limits import RateLimiter, retry_after
from schemaline.runtime.settings import Role, TokenGrant


class Permission(StrEnum):
    READ = "read"
    PROPOSE = "propose"
    CONFIGURE = "configure"
    OPERATE = "operate"  # operator actions on a service's own state: acknowledge a case, redrive
    GOVERN = "govern"


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.RUNNER: frozenset({Permission.READ}),
    Role.PUBLISHER: frozenset(
        {Permission.READ, Permission.PROPOSE, Permission.CONFIGURE, Permission.OPERATE}
    ),
    Role.APPROVER: frozenset({Permission.READ, Permission.GOVERN}),
}


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: Role


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class TokenTable:
    """Looks tokens up by their sha256, so neither the table nor a timing says what a token is."""

    def __init__(self, grants: Iterable[TokenGrant]) -> None:
        self._by_digest = {_digest(g.token.get_secret_value()): Principal(g.name, g.role) for g in grants}

    def principal(self, token: str) -> Principal | None:
        return self._by_digest.get(_digest(token))


_bearer = HTTPBearer(auto_error=False, description="A Schemaline token: runner, publisher or approver")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def require(permission: Permission) -> Callable[..., Awaitable[Principal]]:
    """A FastAPI dependency that admits a principal whose role grants `permission`."""

    async def dependency(request: Request, credentials: Credentials) -> Principal:
        tokens: TokenTable = request.app.state.tokens
        principal = tokens.principal(credentials.credentials) if credentials else None
        if principal is None:
            raise HTTPException(
                401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"}
            )
        if permission not in PERMISSIONS[principal.role]:
            raise HTTPException(403, f"role {principal.role.value} may not {permission.value}")
        return principal

    return dependency


def require_limited(permission: Permission) -> Callable[..., Awaitable[Principal]]:
    """`require`, then one request of the principal's share on an expensive route (429 beyond it).

    The share is `app.state.rate_limiter`'s (the service's `HTTP__RATE_PER_S` and `__BURST`).
    """
    admitted = require(permission)

    # A default, not Annotated: `admitted` is local, and annotations are strings here.
    async def dependency(request: Request, principal: Principal = Depends(admitted)) -> Principal:  # noqa: B008
        limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
        if limiter is not None and (wait := limiter.take(principal.name)) is not None:
            raise HTTPException(429, f"{principal.name}: too many requests", headers=retry_after(wait))
        return principal

    return dependency


async def _caller_token(credentials: Credentials) -> str:
    # Only used after `require` admitted the caller, so the credentials are there and valid.
    return credentials.credentials if credentials else ""


Reader = Annotated[Principal, Depends(require(Permission.READ))]
Proposer = Annotated[Principal, Depends(require(Permission.PROPOSE))]
Configurer = Annotated[Principal, Depends(require(Permission.CONFIGURE))]
Operator = Annotated[Principal, Depends(require(Permission.OPERATE))]
Governor = Annotated[Principal, Depends(require(Permission.GOVERN))]
# The expensive routes (a schema parsed and checked): the same roles, rate-limited per principal.
LimitedReader = Annotated[Principal, Depends(require_limited(Permission.READ))]
LimitedProposer = Annotated[Principal, Depends(require_limited(Permission.PROPOSE))]
CallerToken = Annotated[str, Depends(_caller_token)]
"""The caller's own bearer token, for a service that acts on another one on the caller's behalf."""

AUTH_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "The token's role does not grant this"},
}
