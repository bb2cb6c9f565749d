"""`schemaline contracts export DIR`: the events' JSON Schemas, or every stage contract as ODCS."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schemaline.cli._common import add_json_flag, print_json
from schemaline.cli.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_UNREACHABLE, CliError

if TYPE_CHECKING:
    from schemaline.contracts import Fingerprint, Fqid, SchemaContract

    Bound = tuple[SchemaContract, Fqid, Any, Fingerprint]  # contract, resolved FQID, schema, fingerprint

TOKEN_ENV = "SCHEMALINE_REGISTRY_TOKEN"


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("contracts", help="event and stage contracts")
    inner = parser.add_subparsers(dest="contracts_command", required=True, metavar="ACTION")
    export = inner.add_parser(
        "export", help="write the JSON Schema of every event, or every stage contract as ODCS, to DIR"
    )
    export.add_argument("folder", type=Path, metavar="DIR")
    export.add_argument(
        "--format",
        choices=("events", "odcs"),
        default="events",
        help="events: the events' JSON Schemas; odcs: each stage contract as an ODCS YAML document",
    )
    source = export.add_mutually_exclusive_group()
    source.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="FOLDER",
        help="odcs: contracts/ and schemas in a folder laid out as pipelines/schemas (the default)",
    )
    source.add_argument("--registry", metavar="URL", help=f"odcs: read the registry (token: ${TOKEN_ENV})")
    add_json_flag(export)
    export.set_defaults(run=_export)


def _export(args: argparse.Namespace) -> int:
    if args.folder.exists() and not args.folder.is_dir():
        raise CliError(f"{args.folder} exists and is not a folder", EXIT_BAD_INPUT)
    try:
        written = _write_events(args.folder) if args.format == "events" else _write_odcs(args)
    except OSError as exc:
        raise CliError(f"cannot write to {args.folder}: {exc.strerror or exc}", EXIT_BAD_INPUT) from None
    if args.json:
        print_json([str(path) for path in written])
        return EXIT_OK
    for path in written:
        print(path)
    return EXIT_OK


def _write_events(folder: Path) -> list[Path]:
    from schemaline.contracts.schemas import write_event_schemas

    return list(write_event_schemas(folder))


def _write_odcs(args: argparse.Namespace) -> list[Path]:
    from schemaline.cli.odcs import odcs_document
    from schemaline.pipelines.seed import schemas_dir

    bound = list(
        _from_registry(args.registry) if args.registry else _from_folder(args.source or schemas_dir())
    )
    args.folder.mkdir(parents=True, exist_ok=True)
    written = []
    for contract, fqid, schema, digest in bound:
        path = args.folder / f"{contract.pipeline_id}.{contract.layer.value}.odcs.yaml"
        path.write_text(odcs_document(contract, fqid, schema, digest).to_yaml(), encoding="utf-8")
        written.append(path)
    return written


def _from_folder(folder: Path) -> Iterator[Bound]:
    from schemaline.pipelines.seed import SeedSchemas, seed_contracts, seed_schemas
    from schemaline.sdk.fingerprint import fingerprint

    if not (folder / "contracts").is_dir():
        raise CliError(f"{folder} has no contracts/ folder", EXIT_BAD_INPUT)
    schemas = SeedSchemas(seed_schemas(folder))
    for contract in seed_contracts(folder).values():
        try:
            resolved = schemas.latest(contract.schema_selector)
        except LookupError as exc:
            raise CliError(f"{contract.pipeline_id}: {exc}", EXIT_BAD_INPUT) from None
        yield contract, resolved.fqid, resolved.schema, fingerprint(resolved.schema)


def _from_registry(url: str) -> Iterator[Bound]:
    import httpx

    from schemaline.contracts import SchemaContract
    from schemaline.sdk.resolver import SyncRegistryClient

    token = os.environ.get(TOKEN_ENV)
    if not token:
        raise CliError(f"reading the registry needs a token in ${TOKEN_ENV}", EXIT_BAD_INPUT)
    try:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as http:
            response = http.get("/api/v1/contracts")
    except httpx.TransportError as exc:
        raise CliError(f"PIPE-1001 registry unreachable at {url}: {exc}", EXIT_UNREACHABLE) from None
    if response.status_code != 200:
        raise CliError(f"{url}: contracts answered {response.status_code}: {response.text[:200]}")
    contracts = [SchemaContract.model_validate(item["contract"]) for item in response.json()]
    client = SyncRegistryClient(url, token=token, timeout_s=10)
    for contract in contracts:
        resolved = client.fetch(contract.schema_selector)
        if resolved is None:
            raise CliError(f"{contract.pipeline_id}: no published version matches {contract.schema_selector}")
        yield contract, resolved.fqid, resolved.schema, resolved.fingerprint
