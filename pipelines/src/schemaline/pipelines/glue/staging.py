"""A run's output staged in a local folder, one part per partition, until the stage decides to land it.

`out/part-NNNNN.jsonl` holds a partition's output records and `quarantine/part-NNNNN.jsonl` the
records it left out, with their reasons. A part is written under a temporary name and renamed when
its partition is done, so a retried Spark task replaces its part instead of adding to it. Landing
uploads the output parts, in partition order, as the one batch object the validator reads, and each
quarantine part as its own object; both are counted as they go up, for the reconciliation.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from schemaline.pipelines.glue.partition import PartitionStats
from schemaline.pipelines.ports import Blobs

OUT = "out"
QUARANTINE = "quarantine"
UPLOAD_CHUNK = 8 << 20


def part_name(index: int) -> str:
    return f"part-{index:05d}.jsonl"


class PartFile:
    """One part, opened on its first write and renamed into place by `commit()`."""

    def __init__(self, folder: Path, index: int) -> None:
        self._final = folder / part_name(index)
        self._partial = folder / f".{part_name(index)}.{os.getpid()}.partial"
        self._handle: BinaryIO | None = None

    def write(self, data: bytes) -> None:
        if self._handle is None:
            self._final.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self._partial.open("wb")
        self._handle.write(data)

    def commit(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._partial.replace(self._final)


@dataclass(frozen=True, slots=True)
class Landed:
    """What went up: records in the batch object, and the quarantine objects with their records."""

    records: int
    quarantined: int
    quarantine_uris: tuple[str, ...]


def _chunks(paths: list[Path], counter: list[int]) -> Iterator[bytes]:
    for path in paths:
        with path.open("rb") as handle:
            while chunk := handle.read(UPLOAD_CHUNK):
                counter[0] += chunk.count(b"\n")
                yield chunk


class StagedParts:
    """A run's parts in `folder` and its partitions' stats; land them or discard them."""

    def __init__(self, folder: Path, stats: list[PartitionStats]) -> None:
        self.folder = folder
        self.stats = sorted(stats, key=lambda s: s.index)

    def _parts(self, kind: str) -> list[Path]:
        return sorted((self.folder / kind).glob("part-*.jsonl"))

    async def land(
        self, objects: Blobs, target: str, quarantine_prefix: str, rows: bytes | None = None
    ) -> Landed:
        """Upload the output (or `rows`, a fold stage's output) to `target` and each quarantine part
        under `quarantine_prefix`."""
        counted = [0]
        if rows is not None:
            counted[0] = rows.count(b"\n")
            await objects.put_bytes(target, rows)
        else:
            await objects.put_stream(target, _chunks(self._parts(OUT), counted))
        quarantined = [0]
        uris: list[str] = []
        for part in self._parts(QUARANTINE):
            uri = f"{quarantine_prefix.rstrip('/')}/{part.name}"
            await objects.put_stream(uri, _chunks([part], quarantined))
            uris.append(uri)
        return Landed(counted[0], quarantined[0], tuple(uris))

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


async def stage_input(objects: Blobs, uri: str, path: Path) -> None:
    """Copy an object to a local file, chunk by chunk."""
    reader = await objects.open(uri)
    try:
        with path.open("wb") as handle:
            async for chunk in reader:
                handle.write(chunk)
    finally:
        await reader.aclose()
