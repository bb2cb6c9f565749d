"""The Spark path: a job's partitions validated and transformed inside `mapPartitionsWithIndex`.

Spark reads the input, splits it into partitions and runs one `PartitionRun` in each, with the
process's shared engine (a schema compiles once per executor). Each task writes its output and
quarantine parts under the run's staging folder and returns only its stats, so records cross
from the JVM to Python once and never back. The stage logic then reconciles and lands as for the
plain-Python path.

Where Spark reads and writes: here a local staging folder (`file://`), with the input copied in
from the object store and the parts uploaded by the driver, because Spark reaches S3 only through
hadoop-aws, which no package we can install carries (docs/decisions.md, 18). On Glue, where S3 is
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


def spark_partition(
    plan: PartitionPlan, folder: str, index: int, lines: Iterator[str]
) -> Iterator[PartitionStats]:
    """The task: one partition's lines in, its parts written, its stats out."""
    out, quarantine = PartFile(Path(folder) / OUT, index), PartFile(Path(folder) / QUARANTINE, index)
    stats = run_partition(plan, index, lines, out=out.write, quarantine=quarantine.write)
    out.commit()
    quarantine.commit()
    yield stats


def local_session(master: str | None = "local[*]", app: str = "schemaline") -> SparkSession:
    """A Spark session whose Python workers run this interpreter (and so see these packages).
    `master=None` takes the one the platform set (Glue, spark-submit)."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder if master is None else SparkSession.builder.master(master)
    session = (
        builder.appName(app)
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
        partitions = self._partitions or context.defaultParallelism
        # Lines as bytes: orjson parses them as they are, with no UTF-8 decoding in between.
        lines = context.textFile((folder / INPUT).as_uri(), minPartitions=partitions, use_unicode=False)
        task = functools.partial(spark_partition, plan, str(folder))
        return lines.mapPartitionsWithIndex(task).collect()
