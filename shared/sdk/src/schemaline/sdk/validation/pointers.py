"""JSON Pointers (RFC 6901) for instance paths, and their array-index-free pattern form."""

from __future__ import annotations

from collections.abc import Iterable

ANY_INDEX = "*"


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def pointer(path: Iterable[str | int]) -> str:
    """`["lines", 0, "sku"]` → `/lines/0/sku`; the empty path is the whole record, `""`."""
    return "".join("/" + escape(str(part)) for part in path)


def pattern(path: Iterable[str | int]) -> str:
    """Like `pointer`, with every array index replaced by `*`: `/lines/*/sku`.

    Profiles and drift signals count a field once however many array items carry it.
    """
    return "".join("/" + (ANY_INDEX if isinstance(part, int) else escape(part)) for part in path)


def child(parent: str, name: str) -> str:
    return f"{parent}/{escape(name)}"
