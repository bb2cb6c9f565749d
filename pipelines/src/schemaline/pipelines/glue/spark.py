"""The Spark path: a job's partitions validated and transformed inside `mapPartitionsWithIndex`.

The input is split into byte ranges, one per partition, cut at line boundaries the way Hadoop's
text input cuts them (a line belongs to the range it starts in). Spark schedules the partitions;
each task reads its range itself and runs one `PartitionRun` over it, with the process's shared
engine (a schema compiles once per executor), writes its output and quarantine parts under the
run's staging folder and returns only its stats. No record crosses between the JVM and Python:
shipping each line through the JVM (`textFile`) cost about as much CPU as validating it. The stage
logic then reconciles and lands as for the plain-Python path.

Where Spark reads and writes: here a local staging folder (`file://`), with the input copied in
from the object store and the parts uploaded by the driver, because Spark reaches S3 only through
hadoop-aws, which no package we can install carries (docs/decisions.md, 16). On Glue, where S3 is
Spark's own file system, the folder would be an `s3://` prefix.
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from schemaline.pipelines.glue.partition import PartitionPlan, PartitionStats, run_partition
from schemaline.pipelines.glue.staging import OUT, QUARANTINE, PartFile, StagedParts, stage_input
from schemaline.pipelines.ports import Blobs

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

INPUT = "input.jsonl"


def byte_ranges(size: int, parts: int) -> list[tuple[int, int]]:
    """`parts` ranges of about equal size covering `size` bytes (fewer for a small object)."""
    step = max(1, -(-size // max(1, parts)))
    return [(start, min(size, start + step)) for start in range(0, size, step)] or [(0, 0)]


def lines_in_range(path: Path, start: int, end: int) -> Iterator[bytes]:
    """The lines that start in [start, end): the first one is finished by the range before it, and
    the last one is read to its end even past `end`."""
    with path.open("rb") as handle:
        position = start
        if start:
            handle.seek(start - 1)
            position += len(handle.readline()) - 1  # the rest of a line begun before `start`
        for line in handle:
            if position >= end:
                return
            position += len(line)
            yield line


def spark_partition(
    plan: PartitionPlan, folder: str, index: int, ranges: Iterator[tuple[int, int]]
) -> Iterator[PartitionStats]:
    """The task: one partition's byte range read, its parts written, its stats out."""
    source = Path(folder) / INPUT
    out, quarantine = PartFile(Path(folder) / OUT, index), PartFile(Path(folder) / QUARANTINE, index)
    lines = (line for start, end in ranges for line in lines_in_range(source, start, end))
    stats = run_partition(plan, index, lines, out=out.write, quarantine=quarantine.write)
    out.commit()
    quarantine.commit()
    yield stats


def local_session(master: str = "local[*]", app: str = "schemaline") -> SparkSession:
    """A Spark session whose Python workers run this interpreter (and so see these packages)."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master(master)
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkRunner:
    """Runs a job's partitions on `spark`; `partitions` defaults to Spark's default parallelism."""

    def __init__(
        self, spark: SparkSession, *, partitions: int | None = None, staging: Path | None = None
    ) -> None:
        self._spark = spark
        self._partitions = partitions
        self._staging = staging

    async def run(self, plan: PartitionPlan, input_uri: str, objects: Blobs) -> StagedParts:
        folder = Path(tempfile.mkdtemp(prefix="schemaline-spark-", dir=self._staging))
        try:
            await stage_input(objects, input_uri, folder / INPUT)
            stats = await asyncio.to_thread(self._job, plan, folder)
        except BaseException:
            StagedParts(folder, []).discard()
            raise
        return StagedParts(folder, stats)

    def _job(self, plan: PartitionPlan, folder: Path) -> list[PartitionStats]:
        context = self._spark.sparkContext
        ranges = byte_ranges((folder / INPUT).stat().st_size, self._partitions or context.defaultParallelism)
        task = functools.partial(spark_partition, plan, str(folder))
        return context.parallelize(ranges, len(ranges)).mapPartitionsWithIndex(task).collect()
