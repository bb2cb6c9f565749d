"""`schemaline dlq list|show|redrive SERVICE`: a service's dead letters, through its operator API.

Exit codes: 0 nothing left to look at (an empty DLQ, a shown letter, everything redriven), 1 letters
found (list) or kept because they are not events (redrive), 2 bad input, an unknown letter or a
refused token, 3 the service unreachable.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from schemaline.cli._common import add_json_flag, positive_int, print_fields, print_json, print_table
from schemaline.cli._service import ENDPOINTS, TOKEN_ENV, dead_letters
from schemaline.cli.errors import EXIT_FAILED, EXIT_OK

SERVICES = ("alerts", "drift", "governance", "lineage", "registry", "validator")


def _common() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("service", choices=SERVICES, metavar="SERVICE", help=" | ".join(SERVICES))
    urls = ", ".join(f"${ENDPOINTS[name][0]}" for name in SERVICES)
    parent.add_argument("--url", help=f"the service's API (default: {urls})")
    parent.add_argument(
        "--token-file", type=Path, metavar="FILE", help=f"file holding your token (default: ${TOKEN_ENV})"
    )
    add_json_flag(parent)
    return parent


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "dlq", help="a service's dead letters (PIPE-1501): list, show, redrive"
    )
    inner = parser.add_subparsers(dest="dlq_command", required=True, metavar="ACTION")
    common = [_common()]

    listed = inner.add_parser(
        "list", help="the oldest dead letters and why (exit 1 when any)", parents=common
    )
    listed.add_argument("--limit", type=positive_int, default=100, help="letters to list (≤ 1000)")
    listed.set_defaults(run=_list)

    show = inner.add_parser("show", help="one dead letter with its body", parents=common)
    show.add_argument("message_id", metavar="MESSAGE_ID")
    show.set_defaults(run=_show)

    again = inner.add_parser(
        "redrive", help="send the events back to the service, one at a time (publisher token)", parents=common
    )
    again.add_argument("--limit", type=positive_int, help="redrive at most this many")
    again.set_defaults(run=_redrive)


def _list(args: argparse.Namespace) -> int:
    result = dead_letters(args, args.service, lambda c: c.letters(args.limit))
    if args.json:
        print_json(result)
    else:
        print_table(
            result["letters"],
            ("message_id", "routing_key", "size_bytes", "reason"),
            title=f"{result['count']} dead letter(s) in {result['service']}",
        )
    return EXIT_FAILED if result["count"] else EXIT_OK


def _show(args: argparse.Namespace) -> int:
    letter = dead_letters(args, args.service, lambda c: c.letter(args.message_id))
    if args.json:
        print_json(letter)
    else:
        print_fields(letter, ("message_id", "routing_key", "size_bytes", "reason", "body"))
    return EXIT_OK


def _redrive(args: argparse.Namespace) -> int:
    result = dead_letters(args, args.service, lambda c: c.redrive(args.limit))
    if args.json:
        print_json(result)
    else:
        print(
            f"{result['service']}: republished {result['republished']} dead-lettered event(s); "
            f"{result['kept']} not events, kept in the DLQ with their reason"
        )
    return EXIT_OK if result["kept"] == 0 else EXIT_FAILED
