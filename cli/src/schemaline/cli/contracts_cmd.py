"""`schemaline contracts export DIR`: write the JSON Schemas of all events."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from schemaline.contracts.schemas import write_event_schemas


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("contracts", help="event contracts")
    inner = parser.add_subparsers(dest="contracts_command", required=True, metavar="ACTION")
    export = inner.add_parser("export", help="write the JSON Schema of every event to DIR")
    export.add_argument("folder", type=Path, metavar="DIR")
    export.set_defaults(run=_export)


def _export(args: argparse.Namespace) -> int:
    for path in write_event_schemas(args.folder):
        print(path)
    return 0
