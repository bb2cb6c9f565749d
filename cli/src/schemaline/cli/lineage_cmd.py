"""`schemaline lineage …`: a run's trace, a dataset's lineage, a pipeline's runs, OpenLineage export."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from schemaline.cli._common import (
    add_json_flag,
    parse_time,
    positive_int,
    print_fields,
    print_json,
    print_table,
)
from schemaline.cli._service import connection_options, lineage
from schemaline.cli.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE, CliError

RUN_COLUMNS = (
    "run_id",
    "pipeline_id",
    "schema_fqid",
    "status",
    "validation_result",
    "started_at",
    "rerun_of",
)
EXECUTION_FIELDS = (
    "started_at",
    "ended_at",
    "duration_ms",
    "records_in",
    "records_out",
    "records_quarantined",
    "records_skipped",
    "code_version",
)


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("lineage", help="lineage of runs and datasets")
    inner = parser.add_subparsers(dest="lineage_command", required=True, metavar="ACTION")
    common = [connection_options("lineage")]

    run = inner.add_parser(
        "run", help="a run's full trace: events, inputs, outputs, original run, re-runs", parents=common
    )
    run.add_argument("run_id", metavar="RUN_ID")
    add_json_flag(run)
    run.set_defaults(run=_run)

    dataset = inner.add_parser(
        "dataset", help="a dataset's upstream and downstream runs (URI or prefix)", parents=common
    )
    dataset.add_argument("uri", metavar="URI")
    dataset.add_argument("--depth", type=positive_int, default=10, help="hops to follow each way (≥ 1)")
    dataset.add_argument(
        "--upstream",
        action="store_true",
        help="only where it came from: the runs that wrote it, what they read, back to the source",
    )
    add_json_flag(dataset)
    dataset.set_defaults(run=_dataset)

    runs = inner.add_parser("runs", help="runs of a pipeline in a time window", parents=common)
    runs.add_argument("pipeline_id", metavar="PIPELINE")
    runs.add_argument("--since", help="ISO-8601 start (inclusive; no offset: UTC)")
    runs.add_argument("--until", help="ISO-8601 end (exclusive; no offset: UTC)")
    add_json_flag(runs)
    runs.set_defaults(run=_runs)

    export = inner.add_parser(
        "export", help="OpenLineage RunEvents as JSON lines; optionally POST them", parents=common
    )
    export.add_argument("--run-id", action="append", default=[], help="a run to export (repeatable)")
    export.add_argument("--pipeline", help="export this pipeline's runs (with --since/--until)")
    export.add_argument("--since")
    export.add_argument("--until")
    export.add_argument("--out", type=Path, help="write JSON lines to this new file instead of stdout")
    export.add_argument(
        "--post", metavar="URL", help="send each event to this OpenLineage HTTP endpoint (e.g. Marquez)"
    )
    export.add_argument(
        "--api-key-file", type=Path, help="with --post: a file holding the endpoint's API key (bearer)"
    )
    export.add_argument("--json", action="store_true", help="print one JSON array instead of JSON lines")
    export.set_defaults(run=_export)

    again = inner.add_parser(
        "redrive", help="PIPE-1402 action: republish the lineage writer's dead letters", parents=common
    )
    add_json_flag(again)
    again.set_defaults(run=_redrive)


def _iso(text: str | None) -> str | None:
    moment = parse_time(text)
    return None if moment is None else moment.isoformat()


def _run(args: argparse.Namespace) -> int:
    trace = lineage(args, lambda c: c.run(args.run_id))
    if args.json:
        print_json(trace)
        return EXIT_OK
    print_fields(trace["run"], RUN_COLUMNS[1:])
    print_fields(trace, ("inputs", "outputs"))
    if trace.get("execution"):
        print_fields(trace["execution"], EXECUTION_FIELDS)
    for event in trace["events"]:
        print(f"  {event['occurred_at']}  {event['detail_type']:<20} {event['event_id']}")
    for rerun in trace["reruns"]:
        print(f"re-run {rerun['run_id']}: {rerun['status']}")
    return EXIT_OK


def _dataset(args: argparse.Namespace) -> int:
    walk = lineage(args, lambda c: c.dataset(args.uri, args.depth))
    directions = ("upstream",) if args.upstream else ("upstream", "downstream")
    if args.upstream:
        walk = {key: value for key, value in walk.items() if key != "downstream"}
    if args.json:
        print_json(walk)
        return EXIT_OK
    for direction in directions:
        print_table(walk[direction], ("depth", "run_id", "inputs", "outputs"), title=f"{direction}:")
    return EXIT_OK


def _runs(args: argparse.Namespace) -> int:
    since, until = _iso(args.since), _iso(args.until)
    found = lineage(args, lambda c: c.runs(args.pipeline_id, since, until))
    if args.json:
        print_json(found)
    else:
        print_table(found, RUN_COLUMNS, title=f"{len(found)} run(s) of {args.pipeline_id}")
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    if not args.run_id and not args.pipeline:
        raise CliError("say what to export: --run-id RUN_ID and/or --pipeline PIPELINE", EXIT_BAD_INPUT)
    if args.out is not None and args.out.exists():
        raise CliError(f"{args.out} exists: name a new file", EXIT_BAD_INPUT)
    since, until = _iso(args.since), _iso(args.until)
    events = lineage(args, lambda c: c.export(args.run_id, args.pipeline, since, until))
    lines = "".join(json.dumps(event, sort_keys=True) + "\n" for event in events)
    if args.post:
        _post(args.post, events, args.api_key_file)
    if args.out:
        try:
            args.out.write_text(lines, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {args.out}: {exc.strerror or exc}", EXIT_BAD_INPUT) from None
    elif args.json and not args.post:
        print_json(events)
    elif not args.post:
        print(lines, end="")
    if args.post or args.out:
        print(f"{len(events)} OpenLineage events" + (f" posted to {args.post}" if args.post else ""))
    return EXIT_OK


def _post(endpoint: str, events: list[dict[str, Any]], api_key_file: Path | None) -> None:
    """Send the API's RunEvents through openlineage-python's HTTP transport (retries, API key)."""
    from schemaline.lineage_writer.emitter import LineageEmitError, emit_documents, http_client

    api_key = None
    if api_key_file is not None:
        try:
            api_key = api_key_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CliError(f"cannot read {api_key_file}: {exc.strerror or exc}", EXIT_BAD_INPUT) from None
    try:
        emit_documents(http_client(endpoint, api_key=api_key), events)
    except LineageEmitError as exc:
        raise CliError(f"PIPE-1402 metadata sync failure at {endpoint}: {exc}", EXIT_UNREACHABLE) from None


def _redrive(args: argparse.Namespace) -> int:
    result = lineage(args, lambda c: c.redrive())
    if args.json:
        print_json(result)
    else:
        print(
            f"republished {result['republished']} dead-lettered event(s); "
            f"{result['unreadable']} not events, kept in the DLQ with their reason"
        )
    return EXIT_OK if result["unreadable"] == 0 else EXIT_FAILED
