"""Resolver errors; an unreachable registry (beyond max-stale) is PIPE-1001."""

from __future__ import annotations

from schemaline.contracts import PipeCode, PipeError


class SchemaFetchError(PipeError):
    """The registry did not answer in time, or could not be reached, and no usable copy was cached."""

    def __init__(self, selector: str, reason: str) -> None:
        self.selector = selector
        self.reason = reason
        super().__init__(PipeCode.SCHEMA_FETCH_TIMEOUT, f"fetching {selector}: {reason}")


class SchemaNotFoundError(LookupError):
    """The registry answered: no published version matches the selector."""

    def __init__(self, selector: str) -> None:
        self.selector = selector
        super().__init__(f"no published version matches {selector}")


class RegistryRequestError(Exception):
    """The registry refused the request (401, 403, 422 ...): a configuration error, not retried."""

    def __init__(self, selector: str, status: int, message: str) -> None:
        self.selector = selector
        self.status = status
        super().__init__(f"registry refused fetching {selector}: {status} {message}")
