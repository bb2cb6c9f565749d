"""`schemaline validate SCHEMA.json DATA.jsonl [--json]`: validate a local file with the engine."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from schemaline.cli._common import check_nesting
from schemaline.cli.errors import EXIT_FAILED, EXIT_OK, CliError

if TYPE_CHECKING:
    from schemaline.sdk.validation import BatchResult

CHUNK_SIZE = 1 << 20
TABLE_ROWS = 20


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "validate",
        help="validate a JSON Lines file against a JSON Schema",
        description="Exit 0 when every record is valid, 1 otherwise, 2 on bad input.",
    )
    parser.add_argument("schema", type=Path, metavar="SCHEMA.json")
    parser.add_argument("data", type=Path, metavar="DATA.jsonl")
    parser.add_argument("--json", action="store_true", help="print every record's result as JSON")
    parser.set_defaults(run=_validate)


def _load_schema(path: Path) -> Any:
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read schema {path}: {exc.strerror or exc}") from None
    try:
        schema = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CliError(f"schema {path} is not JSON: {exc}") from None
    check_nesting(schema, f"schema {path}")
    return schema


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK_SIZE):
        yield chunk


def _validate(args: argparse.Namespace) -> int:
    from schemaline.sdk.validation import SchemaError, ValidationEngine

    engine = ValidationEngine()
    try:
        compiled = engine.compile(_load_schema(args.schema))
    except SchemaError as exc:
        raise CliError(f"{args.schema} is not a usable JSON Schema: {exc}") from None
    try:
        with args.data.open("rb") as handle:
            result = engine.validate_lines(_chunks(handle), compiled)
    except OSError as exc:
        raise CliError(f"cannot read data {args.data}: {exc.strerror or exc}") from None
    if args.json:
        _print_json(result, sys.stdout)
    else:
        _print_summary(result, args.data)
    return EXIT_OK if result.counts.rejected == 0 else EXIT_FAILED


def _print_json(result: BatchResult, out: IO[str]) -> None:
    """`{"records": [...], "profile": {...}, "counts": {...}}`, records written one by one."""
    rejected = {record.index: record for record in result.rejected}
    out.write('{"records": [')
    for index in range(result.counts.total):
        found = rejected.get(index)
        entry = found.to_dict() if found else {"index": index, "class": "valid", "errors": []}
        out.write((", " if index else "") + json.dumps(entry, ensure_ascii=False))
    out.write("], ")
    out.write('"profile": ' + json.dumps(result.profile.to_dict(), ensure_ascii=False) + ", ")
    out.write('"counts": ' + json.dumps(result.counts.to_dict()) + "}\n")


def _print_summary(result: BatchResult, data: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=False)
    counts = result.counts
    style = "green" if counts.rejected == 0 else "red"
    console.print(
        f"[{style}]{data}: {counts.total} records — {counts.valid} valid, {counts.drift} drift, "
        f"{counts.invalid} invalid[/{style}]",
        soft_wrap=True,
    )
    if result.rejected:
        table = Table(title=f"First errors (of {sum(len(r.errors) for r in result.rejected)})")
        for column in ("record", "line", "class", "pointer", "rule"):
            table.add_column(column, no_wrap=True)
        table.add_column("message", overflow="fold")
        rows = 0
        for record in result.rejected:
            for error in record.errors:
                if rows == TABLE_ROWS:
                    break
                rows += 1
                line = "" if record.line is None else str(record.line)
                table.add_row(
                    str(record.index),
                    line,
                    record.record_class.value,
                    error.pointer or "(record)",
                    error.rule,
                    error.message,
                )
        console.print(table)
    if result.drift_signals:
        signals = Table(title="Drift signals")
        for column in ("field", "kind", "records", "observed", "expected"):
            signals.add_column(column)
        for signal in result.drift_signals:
            signals.add_row(
                signal.pointer,
                signal.kind.value,
                str(signal.records),
                ", ".join(signal.observed_types),
                ", ".join(signal.expected_types),
            )
        console.print(signals)
