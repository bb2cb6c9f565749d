"""`schemaline ledger verify`: walk the governance ledger's hash chain and report the first broken link."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
from typing import Any

from pydantic import SecretStr

from schemaline.cli._common import print_json
from schemaline.cli.errors import EXIT_FAILED
from schemaline.governance.chain import Verification, verify
from schemaline.governance.ledger import read_entries, read_head
from schemaline.governance.settings import GovernanceSettings
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
