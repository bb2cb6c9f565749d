"""`schemaline governance …`: proposals, drift cases, violations; an approver's approve / reject.

The approver role: the approver's name must be in SCHEMALINE_GOVERNANCE_APPROVERS (name → sha256 of
their token) and the token (SCHEMALINE_APPROVER_TOKEN, or --token-file) must hash to it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from schemaline.cli._common import print_json
from schemaline.cli.errors import EXIT_BAD_INPUT, EXIT_FAILED, CliError
from schemaline.governance import store
from schemaline.governance.approvals import ApprovalError, check_approver, decide, token_hash
from schemaline.governance.settings import GovernanceSettings
from schemaline.runtime.bus import build_bus
from schemaline.runtime.db import create_engine
from schemaline.runtime.outbox import OutboxRelay

TOKEN_ENV = "SCHEMALINE_APPROVER_TOKEN"


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("governance", help="publication gate and approvals")
    parser.add_argument(
        "--database-url", help="governance database (default: SCHEMALINE_GOVERNANCE_DATABASE__URL)"
    )
    inner = parser.add_subparsers(dest="governance_command", required=True, metavar="ACTION")

    proposals = inner.add_parser("proposals", help="proposals and the gate's reason for each")
    proposals.add_argument("--status", choices=["pending", "approved", "rejected"])
    proposals.set_defaults(run=_proposals)
    cases = inner.add_parser("cases", help="governance's view of drift cases")
    cases.add_argument("--status", choices=["open", "resolved"])
    cases.set_defaults(run=_cases)
    violations = inner.add_parser("violations", help="recorded governance violations")
    violations.set_defaults(run=_violations)

    for action, text in (("approve", "approve a pending proposal"), ("reject", "reject a pending proposal")):
        decision = inner.add_parser(action, help=f"{text} (approver role required)")
        decision.add_argument("proposal_id", metavar="PROPOSAL")
        decision.add_argument("--reason", required=True)
        decision.add_argument("--approver", default=os.environ.get("USER", ""), help="approver name")
        decision.add_argument(
            "--token-file", type=Path, help=f"file holding the token (default: ${TOKEN_ENV})"
        )
        decision.set_defaults(run=_decide, approve=action == "approve")

    hashing = inner.add_parser("hash-token", help="print the sha256 to configure for a token read on stdin")
    hashing.set_defaults(run=_hash_token)


def _settings(args: argparse.Namespace) -> GovernanceSettings:
    settings = GovernanceSettings()
    if args.database_url:
        settings.database.url = SecretStr(args.database_url)
    return settings


def _list(args: argparse.Namespace, what: str) -> int:
    async def go() -> list[dict[str, Any]]:
        engine = create_engine(_settings(args).database.url.get_secret_value())
        try:
            if what == "proposals":
                return await store.list_proposals(engine, args.status)
            if what == "cases":
                return await store.list_cases(engine, args.status)
            return await store.list_violations(engine)
        finally:
            await engine.dispose()

    print_json(asyncio.run(go()))
    return 0


def _proposals(args: argparse.Namespace) -> int:
    return _list(args, "proposals")


def _cases(args: argparse.Namespace) -> int:
    return _list(args, "cases")


def _violations(args: argparse.Namespace) -> int:
    return _list(args, "violations")


def _token(args: argparse.Namespace) -> str:
    if args.token_file is not None:
        try:
            return str(args.token_file.read_text(encoding="utf-8").strip())
        except OSError as exc:
            raise CliError(f"cannot read the token file: {exc}", EXIT_BAD_INPUT) from None
    return os.environ.get(TOKEN_ENV, "")


def _decide(args: argparse.Namespace) -> int:
    settings = _settings(args)
    try:
        check_approver(settings.approvers, args.approver, _token(args))
    except ApprovalError as exc:
        raise CliError(f"approver role required: {exc}", EXIT_FAILED) from None

    async def go() -> str:
        engine = create_engine(settings.database.url.get_secret_value())
        bus = build_bus(settings.bus)
        relay = OutboxRelay(engine, bus, settings.outbox)
        try:
            envelope = await decide(
                engine,
                relay,
                args.proposal_id,
                approve=args.approve,
                approver=args.approver,
                reason=args.reason,
            )
            await relay.drain()  # the running service's relay would send it too; no need to wait
            return str(envelope.id)
        finally:
            await bus.close()
            await engine.dispose()

    try:
        event_id = asyncio.run(go())
    except ApprovalError as exc:
        raise CliError(str(exc), EXIT_BAD_INPUT if exc.unknown else EXIT_FAILED) from None
    kind = "SchemaApproved" if args.approve else "SchemaRejected"
    print(f"{kind} for {args.proposal_id} published (event {event_id})")
    return 0


def _hash_token(args: argparse.Namespace) -> int:
    token = sys.stdin.readline().strip()
    if not token:
        raise CliError("no token on stdin", EXIT_BAD_INPUT)
    print(token_hash(token))
    return 0
