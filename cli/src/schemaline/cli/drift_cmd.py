"""`schemaline drift …`: drift cases, their details, and the schema patch that would close them."""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any

import httpx
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from schemaline.cli._common import print_json
from schemaline.cli.errors import EXIT_BAD_INPUT, EXIT_FAILED, CliError
from schemaline.contracts import CaseId, Fqid, PipeError
from schemaline.drift_detector.cases import CaseState, CaseStore, DriftCase
from schemaline.drift_detector.ports import ResolverSchemas
from schemaline.drift_detector.proposal import DriftProposal, build_proposal
from schemaline.drift_detector.settings import DriftSettings
from schemaline.drift_detector.tables import metadata
from schemaline.runtime.db import create_engine
from schemaline.runtime.objectstore import open_object_store
from schemaline.sdk.registry_api import RegistryApiError
from schemaline.sdk.registry_settings import connect_registry

PUBLISHER_TOKEN_ENV = "SCHEMALINE_PUBLISHER_TOKEN"


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("drift", help="drift cases and their fixes")
    parser.add_argument(
        "--database-url", help="drift detector database (default: SCHEMALINE_DRIFT_DATABASE__URL)"
    )
    inner = parser.add_subparsers(dest="drift_command", required=True, metavar="ACTION")

    listing = inner.add_parser("list", help="drift cases, newest last")
    listing.add_argument("--state", choices=[state.value for state in CaseState])
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(run=_list)

    show = inner.add_parser("show", help="one case: fields, counts, runs, quarantine, re-runs")
    show.add_argument("case_id", metavar="CASE")
    show.set_defaults(run=_show)

    propose = inner.add_parser(
        "propose", help="infer the schema patch that covers CASE, check it, and submit it to the registry"
    )
    propose.add_argument("case_id", metavar="CASE")
    propose.add_argument("--dry-run", action="store_true", help="show the proposal without submitting it")
    propose.add_argument("--json", action="store_true", help="print JSON")
    propose.add_argument(
        "--token", help=f"publisher token for the registry (default: ${PUBLISHER_TOKEN_ENV})"
    )
    propose.set_defaults(run=_propose)

    ack = inner.add_parser("ack", help="acknowledge a case: someone is on it")
    ack.add_argument("case_id", metavar="CASE")
    ack.add_argument("--note", default="acknowledged")
    ack.set_defaults(run=_ack)


def _settings(args: argparse.Namespace) -> DriftSettings:
    settings = DriftSettings()
    if args.database_url:
        settings.database.url = SecretStr(args.database_url)
    return settings


async def _with_case(settings: DriftSettings, case_id: str) -> DriftCase:
    engine = create_engine(settings.database.url.get_secret_value())
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            case = await CaseStore().get(conn, CaseId(case_id))
    finally:
        await engine.dispose()
    if case is None:
        raise CliError(f"no drift case {case_id!r}", EXIT_FAILED)
    return case


def _list(args: argparse.Namespace) -> int:
    settings = _settings(args)

    async def go() -> list[DriftCase]:
        engine = create_engine(settings.database.url.get_secret_value())
        try:
            async with engine.begin() as conn:
                await conn.run_sync(metadata.create_all)
                return await CaseStore().all_cases(conn, state=args.state)
        finally:
            await engine.dispose()

    cases = asyncio.run(go())
    if args.json:
        print_json([case.to_json() for case in cases])
        return 0
    table = Table(title=f"{len(cases)} drift case(s)")
    for column in ("case", "subject", "state", "fields", "detections", "records", "opened"):
        table.add_column(column)
    for case in cases:
        fields = ", ".join(f"{f.kind.value} {f.pointer}" for f in case.fields)
        table.add_row(
            case.case_id,
            str(case.subject),
            case.state.value,
            fields,
            str(case.detections),
            str(case.drifted_records),
            case.opened_at.isoformat(timespec="seconds"),
        )
    Console().print(table)
    return 0


def _show(args: argparse.Namespace) -> int:
    print_json(asyncio.run(_with_case(_settings(args), args.case_id)).to_json())
    return 0


def _ack(args: argparse.Namespace) -> int:
    settings = _settings(args)

    async def go() -> None:
        case = await _with_case(settings, args.case_id)
        if case.state is CaseState.RESOLVED:
            raise CliError(f"case {case.case_id} is already resolved", EXIT_FAILED)
        engine = create_engine(settings.database.url.get_secret_value())
        try:
            async with engine.begin() as conn:
                await CaseStore().set_state(conn, case.case_id, CaseState.ACKNOWLEDGED, note=args.note)
        finally:
            await engine.dispose()

    asyncio.run(go())
    print(f"case {args.case_id} acknowledged")
    return 0


def _propose(args: argparse.Namespace) -> int:
    settings = _settings(args)
    token = args.token or os.environ.get(PUBLISHER_TOKEN_ENV)
    if not args.dry_run:
        if not token:
            raise CliError(
                f"submitting needs a publisher token: --token or ${PUBLISHER_TOKEN_ENV}", EXIT_BAD_INPUT
            )
        settings.registry.token = SecretStr(token)

    try:
        proposal, answer = asyncio.run(propose_case(settings, args.case_id, submit=not args.dry_run))
    except (PipeError, RegistryApiError) as exc:
        raise CliError(str(exc), EXIT_FAILED) from None
    if args.json:
        print_json(proposal.to_json() | {"submitted": answer})
    else:
        _print_proposal(proposal, answer)
    return 0 if proposal.acceptable else EXIT_FAILED


async def propose_case(
    settings: DriftSettings,
    case_id: str,
    *,
    submit: bool,
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[DriftProposal, dict[str, Any] | None]:
    """Infer and check the case's patch; submit it as a drift fix when asked and acceptable."""
    case = await _with_case(settings, case_id)
    if case.state is CaseState.RESOLVED:
        raise CliError(f"case {case.case_id} is already resolved", EXIT_FAILED)
    async with (
        open_object_store(settings.objects) as objects,
        connect_registry(settings.registry, transport=transport) as registry,
    ):
        latest = await registry.resolver.resolve(f"{case.subject}:latest")
        proposal = await build_proposal(
            case, schemas=ResolverSchemas(registry.resolver), objects=objects, latest=latest.fqid
        )
        if not submit or not proposal.acceptable:
            return proposal, None
        answer = await registry.api.propose(case.subject, proposal.patch.schema, covers=(case.case_id,))
        return proposal, answer


def _print_proposal(proposal: DriftProposal, answer: dict[str, Any] | None) -> None:
    console = Console()
    console.print(
        f"Case {proposal.case.case_id}: patch {proposal.base} → {proposal.suggested} "
        f"({proposal.verdict.semver}, {'compatible' if proposal.verdict.compatible else 'INCOMPATIBLE'})"
    )
    for step in proposal.patch.steps:
        console.print(f"  {step.kind:<22} {step.path}  {step.detail}")
    console.print(
        f"Checked against {proposal.quarantined} quarantined and {proposal.sampled} valid record(s)."
    )
    if not proposal.acceptable:
        console.print(f"[bold red]Refused[/]: {len(proposal.patch.still_rejected)} record(s) still fail:")
        for rejection in proposal.patch.still_rejected[:10]:
            console.print(f"  record {rejection.index} at {rejection.pointer}: {rejection.message}")
        return
    if answer is None:
        console.print("Dry run: nothing submitted.")
        return
    fqid = Fqid.parse(str(answer["fqid"]))
    proposal_id = (answer.get("proposal") or {}).get("id")
    console.print(f"Submitted as {fqid} ({answer['status']}, proposal {proposal_id}); governance decides.")
