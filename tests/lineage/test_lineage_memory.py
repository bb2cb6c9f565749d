from collections.abc import Callable
from pathlib import Path

import pytest

from schemaline.runtime.bus import InMemoryTransport, Transport
from schemaline.runtime.settings import BusSettings
from tests.lineage.lineage_suite import LineageContract


class TestLineageSQLite(LineageContract):
    @pytest.fixture
    def bus_settings(self) -> BusSettings:
        return BusSettings(retry_backoff_s=0.01)

    @pytest.fixture
    def make_transport(self) -> Callable[[], Transport]:
        shared = InMemoryTransport()
        return lambda: shared

    @pytest.fixture
    def database_url(self, tmp_path: Path) -> str:
        return f"sqlite+aiosqlite:///{tmp_path}/lineage.db"
