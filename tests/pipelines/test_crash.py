"""No silent crash: an error outside the catalogue still announces the run's failure (PIPE-1302)
before the job exits non-zero with the exception."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest

from schemaline.contracts import Layer, PipeCode, PipelineFailed
from schemaline.pipelines.glue import gdp
from schemaline.pipelines.source import example_a
from tests.pipelines.conftest import Parts
from tests.pipelines.test_glue_jobs import GDP, INPUT, argv, factory_for, job_args, land


@dataclass
class StoreGoesDown:
    """The object store, failing the moment a job opens its input (a network error, not a PIPE one)."""

    inner: Any

    async def open(self, uri: str) -> Any:
        raise ConnectionError(f"connection reset reading {uri}")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_an_uncatalogued_crash_emits_pipelinefailed_then_propagates(parts: Parts) -> None:
    await land(parts, example_a(3))
    parts.deps.objects = StoreGoesDown(parts.store)
    with pytest.raises(ConnectionError):
        await gdp.run(job_args(gdp, *GDP), parts.deps)
    [event] = parts.events()
    detail = event.detail
    assert isinstance(detail, PipelineFailed)
    assert (detail.code, detail.layer, detail.run_id, detail.component) == (
        PipeCode.JOB_ERROR,
        Layer.GDP,
        "jr-test",
        "glue:gdp",
    )
    assert detail.message.startswith("ConnectionError: connection reset")
    assert (detail.object_uri, detail.inputs) == (None, (INPUT,))


def test_the_job_process_exits_non_zero_after_announcing_it(parts: Parts) -> None:
    asyncio.run(land(parts, example_a(3)))
    parts.deps.objects = StoreGoesDown(parts.store)
    with pytest.raises(ConnectionError):  # uncaught: `python -m …` exits 1 with the traceback
        gdp.main(argv("--run-id", "jr-crash"), factory_for(parts.deps))
    assert [e.detail.code for e in parts.events()] == [PipeCode.JOB_ERROR]
