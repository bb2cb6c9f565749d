from collections.abc import Callable

import pytest

from schemaline.runtime.bus import Transport, build_transport
from schemaline.runtime.settings import BusSettings
from tests.runtime.bus_contract import BusContract


@pytest.mark.rabbitmq
class TestRabbitMQBus(BusContract):
    @pytest.fixture
    def make_transport(self, rabbit_settings: BusSettings) -> Callable[[], Transport]:
        return lambda: build_transport(rabbit_settings)
