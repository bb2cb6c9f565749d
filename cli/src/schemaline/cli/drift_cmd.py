"""`schemaline drift …`: drift cases, their details, and the schema patch that would close them."""

from __future__ import annotations

import argparse
from typing import Any

from schemaline.cli._common import add_json_flag, print_fields, print_json, print_table
from schemaline.cli._service import connection_options, drift
from schemaline.cli.errors import EXIT_FAILED, EXIT_OK

STATES = ("open", "acknowledged", "resolved")


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("drift", help="drift cases and their fixes")
    inner = parser.add_subparsers(dest="drift_command", required=True, metavar="ACTION")
    common = [connection_options("drift")]

    listing = inner.add_parser("list", help="drift cases, oldest first", parents=common)
    listing.add_argument("--state", choices=STATES)
    add_json_flag(listing)
    listing.set_defaults(run=_list)

    show = inner.add_parser(
        "show", help="one case: fields, counts, runs, quarantine, re-runs", parents=common
    )
    show.add_argument("case_id", metavar="CASE")
    add_json_flag(show)
    show.set_defaults(run=_show)

    propose = inner.add_parser(
        "propose",
        help="infer the schema patch that covers CASE, check it, and submit it to the registry as you "
        "(publisher token); exit 1 when the patch would still reject records",
        parents=common,
    )
    propose.add_argument("case_id", metavar="CASE")
    propose.add_argument("--dry-run", action="store_true", help="show the proposal without submitting it")
    add_json_flag(propose)
    propose.set_defaults(run=_propose)

    ack = inner.add_parser(
        "ack", help="acknowledge a case: someone is on it (publisher token)", parents=common
    )
    ack.add_argument("case_id", metavar="CASE")
    ack.add_argument("--note", default="acknowledged")
    add_json_flag(ack)
    ack.set_defaults(run=_ack)


def _fields(case: dict[str, Any]) -> str:
    return ", ".join(f"{field['kind']} {field['pointer']}" for field in case["fields"])


def _list(args: argparse.Namespace) -> int:
    cases = drift(args, lambda c: c.cases(args.state))
    if args.json:
        print_json(cases)
        return EXIT_OK
    rows = [case | {"fields": _fields(case), "records": case["drifted_records"]} for case in cases]
    columns = ("case_id", "subject", "state", "fields", "detections", "records", "opened_at")
    print_table(rows, columns, title=f"{len(cases)} drift case(s)")
    return EXIT_OK


def _print_case(case: dict[str, Any]) -> None:
    print_fields(case | {"fields": _fields(case)}, ("case_id", "subject", "state", "kind", "fields"))
    print_fields(
        case, ("schema_fqid", "detections", "drifted_records", "opened_at", "resolved_by_fqid", "note")
    )
    for run in case["runs"]:
        rerun = f", re-run {run['rerun_id']} {run['rerun_state']}" if run["rerun_id"] else ""
        print(f"run {run['run_id']}: {run['drifted_records']} record(s) → {run['quarantine_uri']}{rerun}")


def _show(args: argparse.Namespace) -> int:
    case = drift(args, lambda c: c.case(args.case_id))
    if args.json:
        print_json(case)
    else:
        _print_case(case)
    return EXIT_OK


def _ack(args: argparse.Namespace) -> int:
    case = drift(args, lambda c: c.ack(args.case_id, args.note))
    if args.json:
        print_json(case)
    else:
        print(f"case {case['case_id']} acknowledged")
    return EXIT_OK


def _propose(args: argparse.Namespace) -> int:
    proposal = drift(args, lambda c: c.propose(args.case_id, dry_run=args.dry_run))
    if args.json:
        print_json(proposal)
    else:
        _print_proposal(proposal)
    return EXIT_OK if proposal["accepts_all"] else EXIT_FAILED


def _print_proposal(proposal: dict[str, Any]) -> None:
    compatible = "compatible" if proposal["compatible"] else "INCOMPATIBLE"
    print(
        f"Case {proposal['case_id']}: patch {proposal['base']} → {proposal['suggested_fqid']} "
        f"({proposal['semver']}, {compatible})"
    )
    for step in proposal["steps"]:
        print(f"  {step['kind']:<22} {step['path']}  {step['detail']}")
    print(
        f"Checked against {proposal['quarantined_records']} quarantined and "
        f"{proposal['sampled_valid_records']} valid record(s)."
    )
    if not proposal["accepts_all"]:
        print(f"Refused: {len(proposal['still_rejected'])} record(s) still fail:")
        for rejection in proposal["still_rejected"][:10]:
            print(f"  record {rejection['index']} at {rejection['pointer']}: {rejection['message']}")
        return
    answer = proposal["submitted"]
    if answer is None:
        print("Dry run: nothing submitted.")
        return
    proposal_id = (answer.get("proposal") or {}).get("id")
    print(f"Submitted as {answer['fqid']} ({answer['status']}, proposal {proposal_id}); governance decides.")
