"""RabbitMQ transport (aio-pika): durable topic exchange, a durable queue and DLQ per service."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncGenerator, Iterable, Sequence
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)

from schemaline.runtime.bus.transport import DeadLetter, InboundMessage, OutgoingMessage

REASON_HEADER = "x-schemaline-dlq-reason"


class _Delivery:
    __slots__ = ("_message",)

    def __init__(self, message: AbstractIncomingMessage) -> None:
        self._message = message

    @property
    def body(self) -> bytes:
        return self._message.body

    @property
    def routing_key(self) -> str:
        return self._message.routing_key or ""

    @property
    def message_id(self) -> str | None:
        return self._message.message_id

    @property
    def redelivered(self) -> bool:
        return bool(self._message.redelivered)

    async def ack(self) -> None:
        await self._message.ack()

    async def requeue(self) -> None:
        await self._message.nack(requeue=True)


class RabbitMQTransport:
    """One robust connection; a confirming publish channel and a channel per consumer."""

    system = "rabbitmq"

    def __init__(
        self,
        url: str,
        *,
        exchange: str = "schemaline.events",
        queue_prefix: str = "schemaline",
        prefetch: int = 128,
        queue_expires_s: float | None = None,
        connection_name: str | None = None,
    ) -> None:
        self._url = url
        # What `rabbitmqctl list_connections client_properties` shows: which process holds a connection.
        self.connection_name = connection_name or f"{queue_prefix} pid {os.getpid()}"
        self.destination = exchange
        self._queue_prefix = queue_prefix
        self._prefetch = prefetch
        self._queue_arguments: dict[str, Any] = (
            {"x-expires": int(queue_expires_s * 1000)} if queue_expires_s else {}
        )
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._queues: dict[str, AbstractQueue] = {}

    def queue_name(self, service: str) -> str:
        return f"{self._queue_prefix}.{service}"

    def span_attributes(self, routing_key: str, service: str | None = None) -> dict[str, str]:
        # A publish goes to the exchange; a consumer reads its queue. The routing key is RabbitMQ's own.
        return {
            "messaging.system": self.system,
            "messaging.destination.name": self.destination if service is None else self.queue_name(service),
            "messaging.rabbitmq.destination.routing_key": routing_key,
        }

    def dlq_name(self, service: str) -> str:
        return f"{self.queue_name(service)}.dlq"

    async def connect(self) -> None:
        self._connection = await aio_pika.connect_robust(
            self._url, client_properties={"connection_name": self.connection_name}
        )
        self._publish_channel = await self._connection.channel(publisher_confirms=True)
        self._exchange = await self._publish_channel.declare_exchange(
            self.destination, aio_pika.ExchangeType.TOPIC, durable=True
        )

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
        self._connection = None
        self._queues.clear()

    def _require_exchange(self) -> AbstractExchange:
        if self._exchange is None:
            raise RuntimeError("RabbitMQTransport used before connect()")
        return self._exchange

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        exchange = self._require_exchange()
        confirms = [
            exchange.publish(
                aio_pika.Message(
                    message.body,
                    message_id=message.message_id,
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    headers=dict(message.headers),
                ),
                routing_key=message.routing_key,
            )
            for message in messages
        ]
        # Await every confirm together: one round trip's latency for the whole batch.
        await asyncio.gather(*confirms)

    async def declare(self, service: str, routing_keys: Iterable[str]) -> None:
        if self._connection is None:
            raise RuntimeError("RabbitMQTransport used before connect()")
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=self._prefetch)
        exchange = await channel.declare_exchange(self.destination, aio_pika.ExchangeType.TOPIC, durable=True)
        await channel.declare_queue(self.dlq_name(service), durable=True, arguments=self._queue_arguments)
        queue = await channel.declare_queue(
            self.queue_name(service), durable=True, arguments=self._queue_arguments
        )
        for key in routing_keys:
            await queue.bind(exchange, routing_key=key)
        self._queues[service] = queue

    async def consume(self, service: str) -> AsyncGenerator[_Delivery, None]:
        queue = self._queues[service]
        async with queue.iterator() as messages:
            async for message in messages:
                yield _Delivery(message)

    async def dead_letter(self, service: str, message: InboundMessage, reason: str) -> None:
        if self._publish_channel is None:
            raise RuntimeError("RabbitMQTransport used before connect()")
        headers: dict[str, Any] = {
            REASON_HEADER: reason[:4000],
            "x-schemaline-routing-key": message.routing_key,
            "x-schemaline-service": service,
        }
        await self._publish_channel.default_exchange.publish(
            aio_pika.Message(
                message.body,
                message_id=message.message_id,
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                headers=headers,
            ),
            routing_key=self.dlq_name(service),
        )
        await message.ack()

    async def dead_letters(self, service: str) -> list[DeadLetter]:
        if self._publish_channel is None:
            raise RuntimeError("RabbitMQTransport used before connect()")
        queue = await self._publish_channel.declare_queue(
            self.dlq_name(service), durable=True, arguments=self._queue_arguments
        )
        letters = []
        while (message := await queue.get(fail=False, no_ack=True)) is not None:
            headers = dict(message.headers or {})
            letters.append(
                DeadLetter(
                    service=service,
                    body=message.body,
                    routing_key=str(headers.get("x-schemaline-routing-key", "")),
                    reason=str(headers.get(REASON_HEADER, "")),
                    headers=headers,
                )
            )
        return letters

    async def delete(self, services: Iterable[str] = ()) -> None:
        """Remove the exchange and the services' queues (tests and benches clean up with it)."""
        if self._publish_channel is None:
            raise RuntimeError("RabbitMQTransport used before connect()")
        for service in services:
            for name in (self.queue_name(service), self.dlq_name(service)):
                await self._publish_channel.queue_delete(name)
        await self._publish_channel.exchange_delete(self.destination)
