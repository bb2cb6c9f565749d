"""Run by test_big_object in a child process: the GDP job on the plain-Python path over a big
object in a local folder store; prints the result and the process's peak RSS as one JSON line.

    python -m tests.pipelines.big_object_job STORE_ROOT INPUT_URI STAGING
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from schemaline.contracts import PipelineId, RunId, Selector
from schemaline.pipelines.deps import StageDeps
from schemaline.pipelines.glue import gdp
from schemaline.pipelines.glue.args import JobArgs
from schemaline.pipelines.glue.runners import LocalRunner
from schemaline.pipelines.seed import SeedSchemas
from schemaline.runtime.bus import EventBus, InMemoryTransport
from schemaline.runtime.objectstore import LocalFolderStore


def peak_rss_kib() -> int:
    """This process's peak resident set (VmHWM). Not `getrusage`'s ru_maxrss: Linux carries that
    over from the parent through fork and exec, so it reports at least the test runner's size."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


async def main(root: Path, input_uri: str, staging: Path) -> None:
    deps = StageDeps(
        objects=LocalFolderStore(root),
        publisher=EventBus(InMemoryTransport()),
        schemas=SeedSchemas(),
        runner=LocalRunner(staging),
    )
    args = JobArgs(
        schema_fqid=Selector.parse("finance.gdp.invoice:v1.1"),
        input_schema_fqid=Selector.parse("finance.raw.invoice:^1"),
        input_path=input_uri,
        output_path="s3://warehouse/gdp/invoice/",
        run_id=RunId("jr-big"),
        pipeline_id=PipelineId(gdp.PIPELINE_ID),
    )
    result = await gdp.run(args, deps)
    peak_kib = peak_rss_kib()
    print(
        json.dumps(
            {
                "status": result.status.value,
                "records_in": result.records_in,
                "records_out": result.records_out,
                "skipped": result.skipped,
                "output_uri": result.output_uri,
                "peak_rss_mb": peak_kib / 1024,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])))
