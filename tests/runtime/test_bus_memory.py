from collections.abc import Callable

import pytest

from schemaline.runtime.bus import InMemoryTransport, Transport
from tests.runtime.bus_contract import BusContract


class TestInMemoryBus(BusContract):
    @pytest.fixture
    def make_transport(self) -> Callable[[], Transport]:
        shared = InMemoryTransport()  # one in-process "broker" that outlives each bus
        return lambda: shared
