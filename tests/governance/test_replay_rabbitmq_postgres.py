"""The replay suite over RabbitMQ and PostgreSQL (fails, never skips, when either is missing)."""

from collections.abc import Callable

import pytest

from schemaline.runtime.bus import Transport, build_transport
from schemaline.runtime.settings import BusSettings
from tests.governance.replay_suite import ReplayContract


@pytest.mark.rabbitmq
@pytest.mark.postgres
class TestReplayRabbitMQPostgres(ReplayContract):
    @pytest.fixture
    def database_url(self, postgres_url: str) -> str:
        return postgres_url

    @pytest.fixture
    def make_transport(self, rabbit_settings: BusSettings) -> Callable[[], Transport]:
        return lambda: build_transport(rabbit_settings)
