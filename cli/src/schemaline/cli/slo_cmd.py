"""`schemaline slo`: the seed's five service levels over a window, each beside its target.

Computed from what Schemaline records (the lineage writer's API): verdicts, the validator's timings,
runs and their status. Exit 1 when a target is missed; a level with no data misses nothing.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any

from schemaline.cli._common import add_json_flag, parse_time, print_json, print_table
from schemaline.cli._service import connection_options, lineage
from schemaline.cli.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, CliError


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "slo",
        help="the seed's five service levels over a window, against their targets (exit 1: one missed)",
        parents=[connection_options("lineage")],
    )
    parser.add_argument("--since", help="ISO-8601 start (inclusive; no offset: UTC; default: --until − 24 h)")
    parser.add_argument("--until", help="ISO-8601 end (exclusive; no offset: UTC; default: now)")
    add_json_flag(parser)
    parser.set_defaults(run=_slo)


def _window(args: argparse.Namespace) -> tuple[datetime, datetime]:
    until = parse_time(args.until) or datetime.now(UTC)
    since = parse_time(args.since) or until - timedelta(hours=24)
    if since >= until:
        raise CliError("--since must be before --until", EXIT_BAD_INPUT)
    return since, until


def _slo(args: argparse.Namespace) -> int:
    since, until = _window(args)
    figures = lineage(args, lambda c: c.slo(since.isoformat(), until.isoformat()))
    from schemaline.sdk.slo import judge

    metrics = judge(figures)
    if args.json:
        print_json({"window": {"since": figures["since"], "until": figures["until"]}, "metrics": metrics})
    else:
        rows = [m | {"met": {True: "yes", False: "MISSED", None: "no data"}[m["met"]]} for m in metrics]
        print_table(
            rows, ("name", "value", "target", "met"), title=f"{figures['since']} – {figures['until']}"
        )
    return EXIT_FAILED if any(m["met"] is False for m in metrics) else EXIT_OK
