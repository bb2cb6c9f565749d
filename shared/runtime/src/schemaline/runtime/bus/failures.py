"""What a handler's failure means for its message: retry for minutes, a few times, or dead-letter now.

A dependency that is down (the database, the broker, S3, the registry) is *transient*: the message is
fine and will go through once it is back, so the consumer backs off with jitter for as long as the
`retry_for_s` setting says. A `PermanentError` says retrying cannot help: the message goes to the DLQ
at once. Anything else is *unexpected* (a bug, data the handler chokes on): a few quick attempts.
"""

from __future__ import annotations

from enum import StrEnum

import asyncpg
import httpx
from aio_pika.exceptions import AMQPConnectionError, ChannelClosed, ChannelInvalidStateError, DeliveryError
from botocore.exceptions import (  # type: ignore[import-untyped]
    ClientError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)
from sqlalchemy import exc as sa

from schemaline.contracts import PipeCode, PipeError


class PermanentError(Exception):
    """Raised by a handler when the event can never be processed: dead-letter it now, with this reason."""


class TransientError(Exception):
    """Raised by a handler when something it needs is unreachable for now: retry with backoff."""


class Failure(StrEnum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"
    UNEXPECTED = "unexpected"


_TRANSIENT_TYPES: tuple[type[BaseException], ...] = (
    TransientError,
    OSError,  # ConnectionError, TimeoutError, socket errors
    sa.OperationalError,
    sa.InterfaceError,
    sa.TimeoutError,  # the pool had no connection to give
    # Raw asyncpg (the lineage writer's sink): the connection failed or was lost (class 08), the
    # server is shutting down or starting up (57P01-57P03).
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    httpx.TransportError,
    BotoConnectionError,
    AMQPConnectionError,
    ChannelClosed,
    ChannelInvalidStateError,
    DeliveryError,  # the broker refused a publish (full, or its queue's leader moved)
)
# S3/SQS answers that mean "try again later", not "this request is wrong".
_RETRYABLE_AWS_CODES = frozenset(
    {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "ServiceUnavailable", "InternalError"}
)


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, _TRANSIENT_TYPES):
        return True
    if isinstance(exc, sa.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, PipeError) and exc.code is PipeCode.SCHEMA_FETCH_TIMEOUT:
        return True  # the registry could not be reached
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return status >= 500 or error.get("Code") in _RETRYABLE_AWS_CODES
    return False


def classify(exc: BaseException) -> Failure:
    """Transient if the error, or one it was raised from, says a dependency is unreachable."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, PermanentError):
            return Failure.PERMANENT
        if _is_transient(current):
            return Failure.TRANSIENT
        current = current.__cause__ or current.__context__
    return Failure.UNEXPECTED
