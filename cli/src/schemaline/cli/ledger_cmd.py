"""`schemaline ledger verify | replay`: check the ledger's hash chain; replay ledgered events."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
from typing import Any

from pydantic import SecretStr

from schemaline.cli._common import parse_time, print_json
from schemaline.cli.errors import EXIT_BAD_INPUT, EXIT_FAILED, CliError
from schemaline.contracts import EVENT_TYPES
from schemaline.governance.chain import Verification, verify
from schemaline.governance.ledger import read_entries, read_head
from schemaline.governance.replay import (
    Plan,
    Selected,
    Selection,
    as_utc,
    check_name,
    plan,
    replay,
    subjects_of,
)
from schemaline.governance.settings import GovernanceSettings
from schemaline.runtime.bus import build_bus
from schemaline.runtime.db import create_engine


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("ledger", help="the governance ledger")
    parser.add_argument(
        "--database-url", help="governance database (default: SCHEMALINE_GOVERNANCE_DATABASE__URL)"
    )
    inner = parser.add_subparsers(dest="ledger_command", required=True, metavar="ACTION")
    check = inner.add_parser("verify", help="verify the hash chain; exit 1 at the first broken link")
    check.add_argument("--expect-head", metavar="HASH", help="the head hash recorded elsewhere earlier")
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    check.set_defaults(run=_verify)

    again = inner.add_parser(
        "replay",
        help="select ledgered events; print them as a timeline, or republish them with --name",
        description="Without --name (or with --dry-run) prints the selected events as a timeline. With "
        "--name, verifies the whole chain and republishes the selection on the configured bus with "
        "replay-name set; a ledger that does not verify is refused (exit 1).",
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
        "--include-replays",
        action="store_true",
        help="also select events that were themselves replays",
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
    again.add_argument("--json", action="store_true", help="print the timeline as JSON")
    again.set_defaults(run=_replay)


def database_url(args: argparse.Namespace) -> str:
    settings = GovernanceSettings()
    if args.database_url:
        settings.database.url = SecretStr(args.database_url)
    return settings.database.url.get_secret_value()


def _verify(args: argparse.Namespace) -> int:
    async def go() -> Verification:
        engine = create_engine(database_url(args))
        try:
            entries = [entry async for entry in read_entries(engine)]
            return verify(entries, head=await read_head(engine), expect_head=args.expect_head)
        finally:
            await engine.dispose()

    result = asyncio.run(go())
    if args.json:
        print_json(dataclasses.asdict(result))
    else:
        print(result.render())
    return 0 if result.ok else EXIT_FAILED


def _selection(args: argparse.Namespace) -> Selection:
    unknown = sorted(set(args.detail_type) - set(EVENT_TYPES))
    if unknown:
        raise CliError(f"unknown detail-type(s): {', '.join(unknown)}", EXIT_BAD_INPUT)
    since, until = as_utc(parse_time(args.since)), as_utc(parse_time(args.until))
    if since is not None and until is not None and since >= until:
        raise CliError("--since must be before --until", EXIT_BAD_INPUT)
    selection = Selection(
        since=since,
        until=until,
        detail_types=frozenset(args.detail_type),
        run_ids=frozenset(args.run_id),
        subjects=frozenset(args.subject),
        include_replays=args.include_replays,
    )
    return selection


def _timeline_row(item: Selected) -> dict[str, Any]:
    envelope = item.envelope
    return {
        "seq": item.seq,
        "time": envelope.time.isoformat(),
        "detail_type": envelope.detail_type,
        "id": envelope.id,
        "source": envelope.source,
        "run_id": envelope.detail.meta.correlation_id,
        "subjects": sorted(subjects_of(envelope)),
        "replay_name": envelope.replay_name,
    }


def _print_timeline(chosen: Plan, as_json: bool) -> None:
    rows = [_timeline_row(item) for item in chosen.events]
    if as_json:
        print_json({"ledger": dataclasses.asdict(chosen.verification), "events": rows})
        return
    print(chosen.verification.render())
    for row in rows:
        print(
            f"{row['seq']:>7}  {row['time']}  {row['detail_type']:<20} {row['id']}  "
            f"run={row['run_id'] or '-'}  {','.join(row['subjects']) or '-'}"
        )
    print(f"{len(rows)} event(s) selected")


def _progress(done: int, total: int) -> None:
    end = "\n" if done == total or not sys.stderr.isatty() else ""
    print(f"\rreplayed {done}/{total}", end=end, file=sys.stderr, flush=True)


def _replay(args: argparse.Namespace) -> int:
    selection = _selection(args)
    publish = args.name is not None and not args.dry_run
    if args.name is not None:
        try:
            check_name(args.name)
        except ValueError as exc:
            raise CliError(str(exc), EXIT_BAD_INPUT) from None
    settings = GovernanceSettings()
    if args.database_url:
        settings.database.url = SecretStr(args.database_url)

    async def go() -> tuple[Plan, int]:
        engine = create_engine(settings.database.url.get_secret_value())
        try:
            chosen = await plan(engine, selection, expect_head=args.expect_head)
        finally:
            await engine.dispose()
        if not publish or not chosen.verification.ok:
            return chosen, 0
        bus = build_bus(settings.bus)
        try:
            await bus.connect()
            sent = await replay(bus, chosen, name=args.name, new_ids=args.new_ids, progress=_progress)
        finally:
            await bus.close()
        return chosen, sent

    chosen, sent = asyncio.run(go())
    if not chosen.verification.ok:
        raise CliError(f"replay refused: {chosen.verification.render()}", EXIT_FAILED)
    if chosen.unreadable:
        print(
            f"warning: {len(chosen.unreadable)} ledgered event(s) no longer decode, not selectable: "
            f"seq {', '.join(map(str, chosen.unreadable[:10]))}",
            file=sys.stderr,
        )
    if not publish:
        _print_timeline(chosen, args.json)
        return 0
    ids = "new ids" if args.new_ids else "original ids"
    print(f"replay {args.name}: republished {sent} event(s) with {ids}; {chosen.verification.render()}")
    return 0
