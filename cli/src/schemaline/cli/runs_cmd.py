"""`schemaline runs rerun RUN_ID --fqid FQID`: re-run a stage run under another schema version."""

from __future__ import annotations

import argparse
from typing import Any

from schemaline.cli._common import add_json_flag, print_fields, print_json
from schemaline.cli._service import connection_options, lineage
from schemaline.cli.errors import EXIT_OK


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("runs", help="act on pipeline runs")
    inner = parser.add_subparsers(dest="runs_command", required=True, metavar="ACTION")
    rerun = inner.add_parser(
        "rerun",
        help="run a stage run again on its input under another schema version (publisher token)",
        parents=[connection_options("lineage")],
    )
    rerun.add_argument("run_id", metavar="RUN_ID")
    rerun.add_argument(
        "--fqid", required=True, help="the version to re-run under, e.g. finance.gdp.invoice:v1.2"
    )
    add_json_flag(rerun)
    rerun.set_defaults(run=_rerun)


def _rerun(args: argparse.Namespace) -> int:
    answer = lineage(args, lambda c: c.rerun(args.run_id, args.fqid))
    if args.json:
        print_json(answer)
    else:
        print(f"re-run of {answer['original_run_id']} requested as run {answer['rerun_id']}")
        print_fields(answer, ("pipeline_id", "schema_fqid", "inputs", "event_id"))
    return EXIT_OK
