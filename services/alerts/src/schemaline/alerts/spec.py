"""The alerts service: its incident and delivery tables, what it consumes, its channels."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping

import httpx

from schemaline.alerts.channels import Channel, SnsChannel, WebhookChannel
from schemaline.alerts.deliver import Clock, Deliverer, utcnow
from schemaline.alerts.handlers import HANDLERS, SERVICE, Deps
from schemaline.alerts.settings import AlertsSettings
from schemaline.alerts.tables import metadata
from schemaline.runtime.service import Parts, ServiceSpec


async def _channels(settings: AlertsSettings, stack: contextlib.AsyncExitStack) -> dict[str, Channel]:
    channels: dict[str, Channel] = {}
    if settings.sns.topic_arn:
        from aiobotocore.session import get_session

        client = await stack.enter_async_context(
            get_session().create_client(
                "sns", region_name=settings.sns.region, endpoint_url=settings.sns.endpoint_url
            )
        )
        channels["sns"] = SnsChannel(client, settings.sns.topic_arn)
    if settings.webhook.url is not None:
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=settings.webhook.timeout_s))
        channels["webhook"] = WebhookChannel(http, settings.webhook.url.get_secret_value())
    return channels


@contextlib.asynccontextmanager
async def open_deps(
    parts: Parts[AlertsSettings],
    *,
    channels: Mapping[str, Channel] | None = None,
    clock: Clock = utcnow,
) -> AsyncIterator[Deps]:
    """The channels its settings name (unless given) and the delivery loop, stopped on exit."""
    settings = parts.settings
    async with contextlib.AsyncExitStack() as stack:
        if channels is None:
            channels = await _channels(settings, stack)
        deliverer = Deliverer(
            parts.database(),
            channels,
            settings.delivery,
            reminder_after_s=settings.reminder_after_s,
            clock=clock,
        )
        task = asyncio.create_task(deliverer.run(), name="alerts:deliver")
        try:
            yield Deps(channels=channels, deliverer=deliverer, escalate=frozenset(settings.escalate))
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


SPEC = ServiceSpec(
    name=SERVICE, settings=AlertsSettings, handlers=HANDLERS, open=open_deps, tables=(metadata,)
)
