"""`schemaline ledger verify | replay`: check the ledger's hash chain; replay ledgered events.

Both go through governance's API (SCHEMALINE_GOVERNANCE_URL): verify takes any token, replay an
approver token.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from schemaline.cli._common import add_json_flag, parse_time, print_json
from schemaline.cli._service import connection_options, governance
from schemaline.cli.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, CliError


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("ledger", help="the governance ledger")
    inner = parser.add_subparsers(dest="ledger_command", required=True, metavar="ACTION")
    common = [connection_options("governance")]
    check = inner.add_parser(
        "verify", help="verify the hash chain; exit 1 at the first broken link", parents=common
    )
    check.add_argument("--expect-head", metavar="HASH", help="the head hash recorded elsewhere earlier")
    add_json_flag(check)
    check.set_defaults(run=_verify)

    again = inner.add_parser(
        "replay",
        parents=common,
        help="select ledgered events; print them as a timeline, or republish them with --name",
        description="Without --name (or with --dry-run) prints the selected events as a timeline. With "
        "--name, governance verifies the whole chain and republishes the selection on its bus with "
        "replay-name set; a ledger that does not verify is refused (exit 1). Needs an approver token.",
    )
    again.add_argument("--since", help="ISO-8601 event time, inclusive (no offset: UTC)")
    again.add_argument("--until", help="ISO-8601 event time, exclusive (no offset: UTC)")
    again.add_argument(
        "--detail-type", action="append", default=[], metavar="TYPE", help="only this type (repeatable)"
    )
    again.add_argument(
        "--run-id", action="append", default=[], metavar="RUN", help="correlation / run id (repeatable)"
    )
    again.add_argument(
        "--subject", action="append", default=[], help="schema subject, e.g. finance.gdp.invoice (repeatable)"
    )
    again.add_argument(
        "--include-replays", action="store_true", help="also select events that were themselves replays"
    )
    again.add_argument("--name", help="replay name, set as replay-name on every event (publishes)")
    again.add_argument(
        "--dry-run", action="store_true", help="print the timeline only (default without --name)"
    )
    again.add_argument(
        "--new-ids",
        action="store_true",
        help="give each event a new id (derived from its id and --name), so consumers process it again",
    )
    again.add_argument("--expect-head", metavar="HASH", help="the head hash recorded elsewhere earlier")
    add_json_flag(again)
    again.set_defaults(run=_replay)


def _verify(args: argparse.Namespace) -> int:
    result = governance(args, lambda c: c.verify(args.expect_head))
    if args.json:
        print_json(result)
    else:
        print(result["summary"])
    return EXIT_OK if result["ok"] else EXIT_FAILED


def _selection(args: argparse.Namespace) -> dict[str, Any]:
    since, until = parse_time(args.since), parse_time(args.until)
    if since is not None and until is not None and since >= until:
        raise CliError("--since must be before --until", EXIT_BAD_INPUT)
    return {
        "since": None if since is None else since.isoformat(),
        "until": None if until is None else until.isoformat(),
        "detail_types": args.detail_type,
        "run_ids": args.run_id,
        "subjects": args.subject,
        "include_replays": args.include_replays,
        "name": args.name,
        "dry_run": args.dry_run,
        "new_ids": args.new_ids,
        "expect_head": args.expect_head,
    }


def _print_timeline(result: dict[str, Any]) -> None:
    print(result["ledger"]["summary"])
    for row in result["events"]:
        print(
            f"{row['seq']:>7}  {row['time']}  {row['detail_type']:<20} {row['id']}  "
            f"run={row['run_id'] or '-'}  {','.join(row['subjects']) or '-'}"
        )
    print(f"{len(result['events'])} event(s) selected")


def _replay(args: argparse.Namespace) -> int:
    result = governance(args, lambda c: c.replay(_selection(args)))
    unreadable = result["unreadable"]
    if unreadable:
        print(
            f"warning: {len(unreadable)} ledgered event(s) no longer decode, not selectable: "
            f"seq {', '.join(map(str, unreadable[:10]))}",
            file=sys.stderr,
        )
    if args.json:
        print_json(result)
    elif args.name is None or args.dry_run:
        _print_timeline(result)
    else:
        ids = "new ids" if args.new_ids else "original ids"
        print(
            f"replay {args.name}: republished {result['published']} event(s) with {ids}; "
            f"{result['ledger']['summary']}"
        )
    return EXIT_OK
