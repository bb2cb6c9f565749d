"""The delivery loop: sends due notices, retries failed ones with backoff, and sends reminders.

A notice is a row until a channel took it: a crash, a restart or a channel that is down loses
nothing; a send that succeeded but whose mark did not commit is sent again (at least once).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.alerts import store
from schemaline.alerts.channels import Channel
from schemaline.alerts.settings import DeliverySettings

log = structlog.get_logger("schemaline.alerts")
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Deliverer:
    def __init__(
        self,
        engine: AsyncEngine,
        channels: Mapping[str, Channel],
        settings: DeliverySettings,
        *,
        reminder_after_s: float,
        clock: Clock = utcnow,
    ) -> None:
        self._engine = engine
        self.channels = channels
        self._settings = settings
        self._reminder_after = timedelta(seconds=reminder_after_s)
        self._lock = asyncio.Lock()
        self.clock = clock

    async def run(self) -> None:
        while True:
            try:
                await self.round()
            except Exception:  # a database hiccup: the next round tries again
                log.exception("alert delivery round failed")
            await asyncio.sleep(self._settings.poll_interval_s)

    async def round(self) -> int:
        """Stage due reminders, then try every due delivery once; how many were delivered."""
        async with self._lock:
            await self._remind()
            async with self._engine.connect() as conn:
                pending = await store.due(conn, self.clock(), self._settings.batch_size)
            delivered = 0
            for notice in pending:
                delivered += await self._deliver(notice)
            return delivered

    async def _remind(self) -> None:
        now = self.clock()
        before = now - self._reminder_after
        async with self._engine.begin() as conn:
            for key in await store.quiet_since(conn, before):
                if await store.stage_notice(conn, key, "reminder", self.channels, now, quiet_before=before):
                    log.info("reminder staged", incident=key)

    async def _deliver(self, notice: store.Notice) -> int:
        now = self.clock()
        async with self._engine.begin() as conn:  # another replica may be sending it
            if not await store.claim(conn, notice, now, now + timedelta(seconds=self._settings.lease_s)):
                return 0
        channel = self.channels.get(notice.channel)
        try:
            if channel is None:
                raise LookupError(f"channel {notice.channel} is not configured any more")
            await channel.send(notice)
        except Exception as exc:
            async with self._engine.begin() as conn:
                attempts = await store.mark_failed(
                    conn, notice.delivery_id, repr(exc), self._retry_at(notice)
                )
            log.warning(
                "alert delivery failed",
                channel=notice.channel,
                incident=notice.incident_key,
                attempts=attempts,
                error=repr(exc),
            )
            return 0
        async with self._engine.begin() as conn:
            await store.mark_delivered(conn, notice.delivery_id, self.clock())
        log.info(
            "alert delivered", channel=notice.channel, incident=notice.incident_key, notice=notice.notice
        )
        return 1

    def _retry_at(self, notice: store.Notice) -> datetime:
        settings = self._settings
        delay = min(settings.retry_backoff_s * 2**notice.attempts, settings.max_backoff_s)
        return self.clock() + timedelta(seconds=delay)
