"""JSON Lines in and out: the format every stage lands its batch in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson


def dumps(records: Iterable[Any]) -> bytes:
    """One compact JSON document per line, each line ending in a newline."""
    return b"".join(orjson.dumps(record) + b"\n" for record in records)


def loads(data: bytes) -> list[Any]:
    """Every non-blank line parsed; a line that is not JSON raises `orjson.JSONDecodeError`."""
    return [orjson.loads(line) for line in data.split(b"\n") if line.strip()]


class LineSplitter:
    """Cuts a stream of chunks into lines; chunks may split lines anywhere."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, chunk: bytes) -> list[bytes]:
        lines = (self._pending + chunk).split(b"\n")
        self._pending = lines.pop()
        return lines

    def finish(self) -> list[bytes]:
        last, self._pending = self._pending, b""
        return [last] if last else []
