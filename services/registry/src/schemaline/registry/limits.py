"""How deep and how big a schema may be: checked without recursion, before anything else reads it."""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 64  # nested objects and arrays; a record nested 20 deep takes about 40
MAX_NODES = 100_000  # values of every kind, keys excluded


def shape_problem(
    document: Any, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES
) -> tuple[str, str] | None:
    """(JSON Pointer, what is wrong) of the first place past a limit, or None."""
    stack: list[tuple[Any, str, int]] = [(document, "", 0)]
    nodes = 0
    while stack:
        value, pointer, depth = stack.pop()
        nodes += 1
        if nodes > max_nodes:
            return pointer, f"more than {max_nodes} values"
        if isinstance(value, dict):
            children = [(child, f"{pointer}/{_escape(str(key))}") for key, child in value.items()]
        elif isinstance(value, list):
            children = [(child, f"{pointer}/{index}") for index, child in enumerate(value)]
        else:
            continue
        if depth + 1 > max_depth:
            return pointer, f"nested more than {max_depth} levels deep"
        stack.extend((child, where, depth + 1) for child, where in reversed(children))
    return None


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
