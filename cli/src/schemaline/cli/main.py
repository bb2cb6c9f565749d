"""Entry point of the `schemaline` command: one sub-command module per capability.

Parsers come from light modules; what a command needs is imported when it runs, so `schemaline
schema diff` does not pay for the services, the database drivers or the demo.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from schemaline.cli import (
    contracts_cmd,
    demo_args,
    dlq_cmd,
    drift_cmd,
    governance_cmd,
    jobs_cmd,
    ledger_cmd,
    lineage_cmd,
    runs_cmd,
    schema_cmd,
    slo_cmd,
    validate_cmd,
)
from schemaline.cli.errors import EXIT_BAD_INPUT, EXIT_BUG, CliError

COMMANDS = (
    demo_args,
    contracts_cmd,
    schema_cmd,
    validate_cmd,
    drift_cmd,
    lineage_cmd,
    dlq_cmd,
    runs_cmd,
    ledger_cmd,
    governance_cmd,
    jobs_cmd,
    slo_cmd,
)
DEBUG_ENV = "SCHEMALINE_DEBUG"


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line (argparse prints the whole usage first); still exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message} (see {self.prog} --help)\n")


class _Version(argparse.Action):
    """--version, reading the installed version only when asked."""

    def __call__(self, parser: argparse.ArgumentParser, *_args: Any, **_kwargs: Any) -> None:
        from importlib.metadata import version

        print(f"schemaline {version('schemaline-cli')}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="schemaline",
        description="Schema governance for data pipelines: registry, validation, drift, lineage. "
        "Exit codes: 0 success, 1 a verdict (incompatible, records rejected, ledger broken, "
        "gate holds), 2 usage or input error, 3 a dependency unreachable.",
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
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
    except RecursionError:
        print("schemaline: the input is nested too deeply to process", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:
        if os.environ.get(DEBUG_ENV):
            raise
        print(
            f"schemaline: unexpected {type(exc).__name__}: {exc} (a bug: {DEBUG_ENV}=1 shows where)",
            file=sys.stderr,
        )
        return EXIT_BUG
    return code
