"""The event bus: a port, its transports and the consumer loop."""

from schemaline.runtime.bus.consumer import Consumer, RetryPolicy
from schemaline.runtime.bus.event_bus import EventBus
from schemaline.runtime.bus.eventbridge import EventBridgeTransport
from schemaline.runtime.bus.factory import build_bus, build_transport
from schemaline.runtime.bus.failures import PermanentError, TransientError
from schemaline.runtime.bus.memory import InMemoryTransport
from schemaline.runtime.bus.port import Bus, Handler, Publisher
from schemaline.runtime.bus.rabbitmq import RabbitMQTransport
from schemaline.runtime.bus.transport import DeadLetter, InboundMessage, OutgoingMessage, Transport

__all__ = [
    "Bus",
    "Consumer",
    "DeadLetter",
    "EventBridgeTransport",
    "EventBus",
    "Handler",
    "InMemoryTransport",
    "InboundMessage",
    "OutgoingMessage",
    "PermanentError",
    "Publisher",
    "RabbitMQTransport",
    "RetryPolicy",
    "TransientError",
    "Transport",
    "build_bus",
    "build_transport",
]
