"""A PostgreSQL server stopping or starting is an outage to ride out, not a bad event.

The lineage writer's sink speaks asyncpg directly: these are the errors it raised while a real
server was stopped and started again (tests/faults/test_outages.py). Taken for unexpected, each
event would have been dead-lettered after three quick attempts instead of retried.
"""

from __future__ import annotations

import asyncpg
import pytest

from schemaline.runtime.bus.failures import Failure, classify


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.CannotConnectNowError("the database system is shutting down"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.CrashShutdownError("terminating connection because of crash of another server process"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_a_server_going_away_is_transient(error: Exception) -> None:
    assert classify(error) is Failure.TRANSIENT


def test_a_write_the_server_refuses_is_not() -> None:
    assert classify(asyncpg.UniqueViolationError("duplicate key")) is Failure.UNEXPECTED
