"""The embedded stack's job launcher: the Glue job a `RunRerunRequested` asks for, run in this process
on the stack's parts (on AWS the re-run launcher Lambda, `schemaline.deploy.rerun_lambda`, starts
the Glue job run with the same arguments)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from schemaline.contracts import Envelope, RunRerunRequested
from schemaline.pipelines.deps import StageDeps
from schemaline.pipelines.rerun import run_rerun
from schemaline.runtime.bus import EventBus

log = logging.getLogger("schemaline.cli.launcher")


@contextlib.asynccontextmanager
async def job_launcher(bus: EventBus, deps: StageDeps) -> AsyncIterator[None]:
    """Consume `RunRerunRequested` on `bus` while the context is open."""

    async def launch(envelope: Envelope[Any]) -> None:
        request = envelope.detail
        assert isinstance(request, RunRerunRequested)
        result = await run_rerun(request, deps)
        log.info("re-run %s of %s: %s", result.run_id, request.original_run_id, result.status.value)

    bus.subscribe("launcher", [RunRerunRequested.DETAIL_TYPE], launch)
    await bus.start()
    try:
        yield
    finally:
        await bus.close()
