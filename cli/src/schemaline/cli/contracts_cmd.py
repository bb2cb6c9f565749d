"""`schemaline contracts export DIR`: write the JSON Schemas of all events."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from schemaline.cli._common import add_json_flag, print_json
from schemaline.cli.errors import EXIT_BAD_INPUT, EXIT_OK, CliError


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("contracts", help="event contracts")
    inner = parser.add_subparsers(dest="contracts_command", required=True, metavar="ACTION")
    export = inner.add_parser(
        "export", help="write the JSON Schema of every event to DIR (a folder: its schema files are replaced)"
    )
    export.add_argument("folder", type=Path, metavar="DIR")
    add_json_flag(export)
    export.set_defaults(run=_export)


def _export(args: argparse.Namespace) -> int:
    if args.folder.exists() and not args.folder.is_dir():
        raise CliError(f"{args.folder} exists and is not a folder", EXIT_BAD_INPUT)
    from schemaline.contracts.schemas import write_event_schemas

    try:
        written = write_event_schemas(args.folder)
    except OSError as exc:
        raise CliError(f"cannot write to {args.folder}: {exc.strerror or exc}", EXIT_BAD_INPUT) from None
    if args.json:
        print_json([str(path) for path in written])
        return EXIT_OK
    for path in written:
        print(path)
    return EXIT_OK
