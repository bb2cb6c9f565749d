"""A re-run batch from a quarantine object, streamed: its lines' original records, chunk by chunk,
so a quarantine of any size is re-run without being held in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator

from schemaline.contracts import QuarantineLine
from schemaline.runtime.objectstore import ObjectStore


def _original(line: bytes) -> bytes:
    return QuarantineLine.model_validate_json(line).original_line()


async def write_rerun_batch(objects: ObjectStore, quarantine_uri: str, target_uri: str) -> int:
    """Write the original records of `quarantine_uri` to `target_uri` as JSON Lines; the record count."""
    count = 0

    async def originals() -> AsyncIterator[bytes]:
        nonlocal count
        pending = b""
        async with await objects.open(quarantine_uri) as reader:
            async for chunk in reader:
                lines = (pending + chunk).split(b"\n")
                pending = lines.pop()
                found = [
                    QuarantineLine.model_validate_json(line).original_line() for line in lines if line.strip()
                ]
                count += len(found)
                if found:
                    yield b"\n".join(found) + b"\n"
        if pending.strip():
            count += 1
            yield _original(pending) + b"\n"

    await objects.put_stream(target_uri, originals())
    return count
