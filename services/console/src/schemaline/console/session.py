"""Who is signed in: a signed, HttpOnly, SameSite=Strict cookie; CSRF tokens bound to it.

The cookie holds the operator's token (the console has no other way to act as them), their name and
role as the services reported them at login, and when they signed in, all signed with the console's
key: a changed cookie is no session. The token never appears in a page. The CSRF token of a session
is an HMAC of its cookie, so it needs no server state and changes with every login.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from schemaline.runtime.http.auth import PERMISSIONS, Permission
from schemaline.runtime.settings import Role

COOKIE = "schemaline_session"
LOGIN_COOKIE = "schemaline_login"  # double-submit nonce of the login form (login CSRF)


@dataclass(frozen=True)
class Operator:
    """The signed-in operator: their token, and the name and role the services know it by."""

    token: str
    name: str
    role: Role
    cookie: str | None = None  # None when the token came in an Authorization header

    def may(self, permission: Permission) -> bool:
        """Whether to offer an action: the service decides; the console only leaves out what would 403."""
        return permission in PERMISSIONS[self.role]

    @property
    def can_propose(self) -> bool:
        return self.may(Permission.PROPOSE)

    @property
    def can_decide(self) -> bool:
        return self.may(Permission.GOVERN)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sessions:
    def __init__(self, secret: bytes, max_age_s: int) -> None:
        self._secret = secret
        self.max_age_s = max_age_s

    def _mac(self, purpose: bytes, data: bytes) -> bytes:
        return hmac.new(self._secret, purpose + b"\0" + data, hashlib.sha256).digest()

    def seal(self, token: str, name: str, role: Role, *, now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        body = _b64(json.dumps({"t": token, "n": name, "r": role.value, "i": issued}).encode())
        return f"{body}.{_b64(self._mac(b'session', body.encode()))}"

    def open(self, cookie: str | None, *, now: float | None = None) -> Operator | None:
        """The operator of a cookie this console signed and that has not expired; else None."""
        if not cookie or cookie.count(".") != 1:
            return None
        body, mac = cookie.split(".")
        try:
            if not hmac.compare_digest(_unb64(mac), self._mac(b"session", body.encode())):
                return None
            data = json.loads(_unb64(body))
            role = Role(data["r"])
        except (ValueError, KeyError, TypeError):
            return None
        if (time.time() if now is None else now) - data["i"] > self.max_age_s:
            return None
        return Operator(token=data["t"], name=data["n"], role=role, cookie=cookie)

    def csrf(self, operator: Operator) -> str:
        """The CSRF token every form of this session carries; empty for header-token callers."""
        if operator.cookie is None:
            return ""
        return _b64(self._mac(b"csrf", operator.cookie.encode()))

    def csrf_ok(self, operator: Operator, presented: str) -> bool:
        # A token in the Authorization header cannot be sent by another site's form: no CSRF risk.
        if operator.cookie is None:
            return True
        return bool(presented) and hmac.compare_digest(presented, self.csrf(operator))


def nonce() -> str:
    return secrets.token_urlsafe(24)
