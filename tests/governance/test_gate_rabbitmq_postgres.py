from collections.abc import Callable

import pytest

from schemaline.runtime.bus import Transport, build_transport
from schemaline.runtime.settings import BusSettings
from tests.governance.gate_suite import GovernanceContract


@pytest.mark.rabbitmq
@pytest.mark.postgres
class TestGovernanceRabbitMQPostgres(GovernanceContract):
    @pytest.fixture
    def bus_settings(self, rabbit_settings: BusSettings) -> BusSettings:
        return rabbit_settings

    @pytest.fixture
    def database_url(self, postgres_url: str) -> str:
        return postgres_url

    @pytest.fixture
    def make_transport(self, rabbit_settings: BusSettings) -> Callable[[], Transport]:
        return lambda: build_transport(rabbit_settings)
