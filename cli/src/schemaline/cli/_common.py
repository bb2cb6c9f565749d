"""Helpers every command shares: JSON and table output, argument types, time parsing."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from schemaline.cli.errors import EXIT_BAD_INPUT, CliError

MAX_NESTING = 100  # JSON documents the CLI reads (schemas, job definitions) may nest this deep


def check_nesting(document: Any, source: object) -> None:
    """Refuse a document nested deeper than MAX_NESTING (exit 2) before any recursive code walks it."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if level > MAX_NESTING:
            raise CliError(f"{source} is nested deeper than {MAX_NESTING} levels", EXIT_BAD_INPUT)
        stack.extend((child, level + 1) for child in children)


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, sort_keys=True, default=str))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_cell(item) for item in value)
    return str(value)


def print_table(rows: Sequence[Mapping[str, Any]], columns: Iterable[str], *, title: str) -> None:
    """Plain aligned columns (no colour, no wrapping): readable in a terminal, greppable in a pipe."""
    names = list(columns)
    cells = [[_cell(row.get(name)) for name in names] for row in rows]
    widths = [max([len(name), *(len(line[i]) for line in cells)]) for i, name in enumerate(names)]
    print(title)
    print("  ".join(name.ljust(width) for name, width in zip(names, widths, strict=True)).rstrip())
    for line in cells:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


def print_fields(value: Mapping[str, Any], names: Iterable[str]) -> None:
    for name in names:
        print(f"{name}: {_cell(value.get(name))}")


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def positive_int(text: str) -> int:
    """An argparse type: a whole number ≥ 1 (argparse turns the ValueError into a usage error, exit 2)."""
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


positive_int.__name__ = "number ≥ 1"  # argparse names the type in its message


def parse_time(text: str | None) -> datetime | None:
    """An ISO-8601 time; without an offset it is UTC, as every event time is."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    except ValueError:
        raise CliError(
            f"{text!r} is not an ISO-8601 time (e.g. 2025-10-07T06:00:00Z)", EXIT_BAD_INPUT
        ) from None
