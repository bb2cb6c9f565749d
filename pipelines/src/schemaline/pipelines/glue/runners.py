"""Who runs a job's partitions: this process, streaming the object as one partition, or Spark.

The stage logic (`glue.job`) is the same for both; a runner turns a `PartitionPlan` and an input
object into `StagedParts`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Protocol

from schemaline.pipelines.glue.partition import PartitionPlan, PartitionRun
from schemaline.pipelines.glue.staging import OUT, QUARANTINE, PartFile, StagedParts
from schemaline.pipelines.jsonl import LineSplitter
from schemaline.pipelines.ports import Blobs


class Runner(Protocol):
    async def run(self, plan: PartitionPlan, input_uri: str, objects: Blobs) -> StagedParts:
        """Run every partition; a missing input object raises the store's `LookupError`."""
        ...


class LocalRunner:
    """The plain-Python path: the object streams through one partition, in the chunks the store
    reads (1 MiB), so memory does not grow with the object; output and quarantine go to disk."""

    def __init__(self, staging: Path | None = None) -> None:
        self._staging = staging

    async def run(self, plan: PartitionPlan, input_uri: str, objects: Blobs) -> StagedParts:
        reader = await objects.open(input_uri)
        folder = Path(tempfile.mkdtemp(prefix="schemaline-stage-", dir=self._staging))
        out, quarantine = PartFile(folder / OUT, 0), PartFile(folder / QUARANTINE, 0)
        try:
            partition = PartitionRun(plan, 0, out=out.write, quarantine=quarantine.write)
            lines = LineSplitter()
            async for chunk in reader:
                partition.feed(lines.feed(chunk))
            partition.feed(lines.finish())
            stats = partition.finish()
            out.commit()
            quarantine.commit()
        except BaseException:
            StagedParts(folder, []).discard()
            raise
        finally:
            await reader.aclose()
        return StagedParts(folder, [stats])
