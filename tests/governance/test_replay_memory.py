"""The replay suite over the in-memory bus and SQLite."""

from collections.abc import Callable
from pathlib import Path

import pytest

from schemaline.runtime.bus import InMemoryTransport, Transport
from tests.governance.replay_suite import ReplayContract


class TestReplayInMemorySQLite(ReplayContract):
    @pytest.fixture
    def database_url(self, tmp_path: Path) -> str:
        return f"sqlite+aiosqlite:///{tmp_path}/governance.db"

    @pytest.fixture
    def make_transport(self) -> Callable[[], Transport]:
        shared = InMemoryTransport()
        return lambda: shared
