"""The event bus: a port, its transports and the consumer loop."""

from schemaline.runtime.bus.port import Bus, Handler, Publisher

__all__ = ["Bus", "Handler", "Publisher"]
