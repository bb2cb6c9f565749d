from collections.abc import Callable

import pytest

from schemaline.runtime.bus import Transport, build_transport
from schemaline.runtime.settings import BusSettings
from tests.lineage.lineage_suite import LineageContract


@pytest.mark.rabbitmq
@pytest.mark.postgres
class TestLineageRabbitMQPostgres(LineageContract):
    @pytest.fixture
    def bus_settings(self, rabbit_settings: BusSettings) -> BusSettings:
        return rabbit_settings

    @pytest.fixture
    def make_transport(self, rabbit_settings: BusSettings) -> Callable[[], Transport]:
        return lambda: build_transport(rabbit_settings)

    @pytest.fixture
    def database_url(self, postgres_url: str) -> str | None:
        return postgres_url
