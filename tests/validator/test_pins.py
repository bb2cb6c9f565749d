"""Run pins in a shared database: the first answer for a run and selector wins, and every store
on the same database (another replica, a restarted one) reads it back."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemaline.contracts import RunId
from schemaline.validator.pins import InMemoryPins, open_pins

from .conftest import V11, V12

RUN = RunId("jr-1")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/pins/validator.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


async def test_the_first_pin_wins_and_every_replica_reads_it(database_url: str) -> None:
    async with open_pins(database_url) as one, open_pins(database_url) as other:
        assert await one.get(RUN, "finance.gdp.invoice:^1") is None
        assert await one.put_first(RUN, "finance.gdp.invoice:^1", V11) == V11
        assert await other.put_first(RUN, "finance.gdp.invoice:^1", V12) == V11  # lost the race
        assert await other.put_first(RunId("jr-2"), "finance.gdp.invoice:^1", V12) == V12
    async with open_pins(database_url) as restarted:
        assert await restarted.get(RUN, "finance.gdp.invoice:^1") == V11
        assert await restarted.get(RUN, "finance.gdp.invoice:latest") is None


async def test_in_memory_pins_are_this_process_only() -> None:
    pins = InMemoryPins()
    assert await pins.put_first(RUN, "s", V11) == V11
    assert await pins.put_first(RUN, "s", V12) == V11
    assert await InMemoryPins().get(RUN, "s") is None
