"""Write-behind batching: handlers await their rows' commit; many handlers share one transaction.

A handler enqueues its event's rows and awaits a future that resolves when the batch holding them
has committed (or fails with the batch's error). The consumer acks only after the handler returns,
so an ack always follows a commit.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import structlog

from schemaline.lineage_writer.rows import EventRows
from schemaline.lineage_writer.store import LineageSink

log = structlog.get_logger("schemaline.lineage_writer")

# After this many single-event writes fail in a row, the database is down, not one event bad.
ISOLATION_GIVE_UP = 3


class BatchWriter:
    def __init__(self, sink: LineageSink, *, max_rows: int = 1000, max_delay_s: float = 0.005) -> None:
        self._sink = sink
        self._max_rows = max_rows
        self._max_delay_s = max_delay_s
        self._pending: list[tuple[EventRows, asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.rows_written = 0

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="lineage-batch-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for _, future in self._pending:
            if not future.done():
                future.set_exception(RuntimeError("lineage writer stopped before the write"))
        self._pending.clear()

    async def write(self, rows: EventRows) -> None:
        """Return once `rows` are committed; raise the write's error if they could not be."""
        if self._task is None:
            raise RuntimeError("BatchWriter used before start()")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((rows, future))
        self._wake.set()
        await future

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            if len(self._pending) < self._max_rows and self._max_delay_s > 0:
                await asyncio.sleep(self._max_delay_s)  # let concurrent handlers join the batch
            batch = self._pending[: self._max_rows]
            del self._pending[: self._max_rows]
            if not self._pending:
                self._wake.clear()
            live = [(rows, future) for rows, future in batch if not future.cancelled()]
            if live:
                await self._flush(live)

    async def _flush(self, batch: Sequence[tuple[EventRows, asyncio.Future[None]]]) -> None:
        try:
            self.rows_written += await self._sink.insert_batch([rows for rows, _ in batch])
            self.batches += 1
        except Exception as exc:
            log.warning("lineage batch failed", rows=len(batch), reason=f"{type(exc).__name__}: {exc}")
            if len(batch) == 1:
                _settle(batch[0][1], exc)
                return
            await self._isolate(batch)
            return
        for _, future in batch:
            _settle(future, None)

    async def _isolate(self, batch: Sequence[tuple[EventRows, asyncio.Future[None]]]) -> None:
        """Write event by event, so one bad event does not fail the others with it."""
        failures_in_a_row = 0
        for index, (rows, future) in enumerate(batch):
            try:
                self.rows_written += await self._sink.insert_batch([rows])
            except Exception as exc:
                _settle(future, exc)
                failures_in_a_row += 1
                if failures_in_a_row >= ISOLATION_GIVE_UP:
                    for _, rest in batch[index + 1 :]:
                        _settle(rest, exc)
                    return
            else:
                failures_in_a_row = 0
                _settle(future, None)


def _settle(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
