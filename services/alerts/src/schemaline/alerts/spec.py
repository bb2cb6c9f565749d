"""The alerts service: its incident and delivery tables, what it consumes, its channels, and its
operator API (health and, added by the runtime, its DLQ)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping

import httpx

from schemaline.alerts.channels import Channel, SnsChannel, WebhookChannel
from schemaline.alerts.deliver import Clock, Deliverer, utcnow
from schemaline.alerts.handlers import HANDLERS, SERVICE, Deps
from schemaline.alerts.settings import AlertsSettings
from schemaline.alerts.slo import LineageSlo, SloSource, SloWatch
from schemaline.alerts.tables import metadata
from schemaline.runtime.service import Parts, ServiceSpec, dead_letter_api
from schemaline.sdk.operators import LineageClient


async def _channels(settings: AlertsSettings, stack: contextlib.AsyncExitStack) -> dict[str, Channel]:
    channels: dict[str, Channel] = {}
    if settings.sns.topic_arn:
        from schemaline.runtime.aws import aws_session

        client = await stack.enter_async_context(
            aws_session().create_client(
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
    slo_source: SloSource | None = None,
    clock: Clock = utcnow,
) -> AsyncIterator[Deps]:
    """The channels its settings name (unless given), the delivery loop and, when a lineage API is
    named (or a source given), the service-level watch; the loops stop on exit."""
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
        if slo_source is None and settings.slo.lineage_url is not None:
            slo_source = LineageSlo(await stack.enter_async_context(_lineage(settings, parts)))
        watch = None
        if slo_source is not None:
            watch = SloWatch(parts.database(), slo_source, deliverer, settings.slo.interval_s)
        loops = [asyncio.create_task(deliverer.run(), name="alerts:deliver")]
        if watch is not None:
            loops.append(asyncio.create_task(watch.run(), name="alerts:slo"))
        try:
            yield Deps(
                channels=channels, deliverer=deliverer, escalate=frozenset(settings.escalate), slo=watch
            )
        finally:
            for task in loops:
                task.cancel()
            await asyncio.gather(*loops, return_exceptions=True)


def _lineage(settings: AlertsSettings, parts: Parts[AlertsSettings]) -> LineageClient:
    token = settings.slo.token.get_secret_value() if settings.slo.token is not None else ""
    assert settings.slo.lineage_url is not None
    return LineageClient(
        settings.slo.lineage_url, token=token, timeout_s=settings.slo.timeout_s, transport=parts.http
    )


SPEC = ServiceSpec(
    name=SERVICE,
    settings=AlertsSettings,
    handlers=HANDLERS,
    open=open_deps,
    tables=(metadata,),
    api=dead_letter_api("alerts service"),
)
