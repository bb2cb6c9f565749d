"""Entry point of the `schemaline` command: one sub-command module per capability."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from schemaline.cli import (
    contracts_cmd,
    demo_cmd,
    drift_cmd,
    governance_cmd,
    jobs_cmd,
    ledger_cmd,
    lineage_cmd,
    schema_cmd,
    validate_cmd,
)
from schemaline.cli.errors import CliError

COMMANDS = (
    demo_cmd,
    contracts_cmd,
    schema_cmd,
    validate_cmd,
    drift_cmd,
    lineage_cmd,
    ledger_cmd,
    governance_cmd,
    jobs_cmd,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="schemaline",
        description="Schema governance for data pipelines: registry, validation, drift, lineage.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except CliError as exc:
        print(f"schemaline: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return code
