"""`schemaline governance …`: proposals, drift cases, violations; an approver's approve / reject.

Reads take any token; approve and reject take an approver token, and the decision is recorded under
that token's name (the governance service's SCHEMALINE_GOVERNANCE_AUTH__TOKENS grants it).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from schemaline.cli._common import add_json_flag, print_json, print_table
from schemaline.cli._service import connection_options, governance
from schemaline.cli.errors import EXIT_OK

if TYPE_CHECKING:
    from schemaline.sdk.operators.governance import GovernanceClient

LISTS = {
    "proposals": ("proposal_id", "subject", "proposed_fqid", "status", "proposed_by", "reason"),
    "cases": ("case_id", "subject", "pipeline_id", "run_id", "status", "covering_fqid"),
    "violations": ("violation_id", "kind", "pipeline_id", "run_id", "message"),
}


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("governance", help="publication gate and approvals")
    inner = parser.add_subparsers(dest="governance_command", required=True, metavar="ACTION")
    common = [connection_options("governance")]

    proposals = inner.add_parser("proposals", help="proposals and the gate's reason for each", parents=common)
    proposals.add_argument("--status", choices=["pending", "approved", "rejected"])
    cases = inner.add_parser("cases", help="governance's view of drift cases", parents=common)
    cases.add_argument("--status", choices=["open", "resolved"])
    violations = inner.add_parser("violations", help="recorded governance violations", parents=common)
    for what, listing in (("proposals", proposals), ("cases", cases), ("violations", violations)):
        add_json_flag(listing)
        listing.set_defaults(run=_list, what=what)

    for action, text in (("approve", "approve a pending proposal"), ("reject", "reject a pending proposal")):
        decision = inner.add_parser(
            action, help=f"{text} (approver token; recorded under its name)", parents=common
        )
        decision.add_argument("proposal_id", metavar="PROPOSAL")
        decision.add_argument("--reason", required=True)
        add_json_flag(decision)
        decision.set_defaults(run=_decide, approve=action == "approve")


def _list(args: argparse.Namespace) -> int:
    async def fetch(client: GovernanceClient) -> list[dict[str, Any]]:
        if args.what == "proposals":
            return await client.proposals(args.status)
        if args.what == "cases":
            return await client.cases(args.status)
        return await client.violations()

    rows = governance(args, fetch)
    if args.json:
        print_json(rows)
    else:
        print_table(rows, LISTS[args.what], title=f"{len(rows)} {args.what}")
    return EXIT_OK


def _decide(args: argparse.Namespace) -> int:
    decision = governance(
        args,
        lambda c: c.decide(args.proposal_id, approve=args.approve, reason=args.reason),
    )
    if args.json:
        print_json(decision)
    else:
        print(
            f"{decision['detail_type']} for {decision['proposal_id']} published "
            f"(event {decision['event_id']}, by {decision['decided_by']})"
        )
    return EXIT_OK
