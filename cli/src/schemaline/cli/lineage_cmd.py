"""`schemaline lineage …`: a run's trace, a dataset's lineage, a pipeline's runs, OpenLineage export."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from openlineage.client.event_v2 import RunEvent
from pydantic import SecretStr

from schemaline.cli._common import parse_time, print_json
from schemaline.cli.errors import EXIT_BAD_INPUT, EXIT_FAILED, CliError
from schemaline.lineage_writer.emitter import LineageEmitError, emit_events, http_client
from schemaline.lineage_writer.export import export_runs
from schemaline.lineage_writer.openlineage import RunEventBuilder, SchemaFields, to_json_lines
from schemaline.lineage_writer.queries import dataset_lineage, pipeline_runs, run_trace
from schemaline.lineage_writer.redrive import redrive
from schemaline.lineage_writer.settings import LineageSettings
from schemaline.lineage_writer.sql_store import SqlLineageReader
from schemaline.runtime.bus import build_bus
from schemaline.runtime.db import create_engine


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("lineage", help="lineage of runs and datasets")
    parser.add_argument("--database-url", help="lineage database (default: SCHEMALINE_LINEAGE_DATABASE__URL)")
    inner = parser.add_subparsers(dest="lineage_command", required=True, metavar="ACTION")

    run = inner.add_parser("run", help="a run's full trace: events, inputs, outputs, original run, re-runs")
    run.add_argument("run_id", metavar="RUN_ID")
    run.set_defaults(run=_run)

    dataset = inner.add_parser("dataset", help="a dataset's upstream and downstream runs (URI or prefix)")
    dataset.add_argument("uri", metavar="URI")
    dataset.add_argument("--depth", type=int, default=10, help="hops to follow each way")
    dataset.set_defaults(run=_dataset)

    runs = inner.add_parser("runs", help="runs of a pipeline in a time window")
    runs.add_argument("pipeline_id", metavar="PIPELINE")
    runs.add_argument("--since", help="ISO-8601 start (inclusive)")
    runs.add_argument("--until", help="ISO-8601 end (exclusive)")
    runs.set_defaults(run=_runs)

    export = inner.add_parser("export", help="OpenLineage RunEvents as JSON lines; optionally POST them")
    export.add_argument("--run-id", action="append", default=[], help="a run to export (repeatable)")
    export.add_argument("--pipeline", help="export this pipeline's runs (with --since/--until)")
    export.add_argument("--since")
    export.add_argument("--until")
    export.add_argument("--out", type=Path, help="write JSON lines here instead of stdout")
    export.add_argument(
        "--post", metavar="URL", help="OpenLineage HTTP base URL, e.g. Marquez (default: settings)"
    )
    export.set_defaults(run=_export)

    again = inner.add_parser("redrive", help="PIPE-1402 action: republish the lineage writer's dead letters")
    again.set_defaults(run=_redrive)


def _settings(args: argparse.Namespace) -> LineageSettings:
    settings = LineageSettings()
    if args.database_url:
        settings.database.url = SecretStr(args.database_url)
    return settings


def _reader(args: argparse.Namespace) -> tuple[SqlLineageReader, Any]:
    engine = create_engine(_settings(args).database.url.get_secret_value())
    return SqlLineageReader(engine), engine


def _run(args: argparse.Namespace) -> int:
    async def go() -> Any:
        reader, engine = _reader(args)
        try:
            return await run_trace(reader, args.run_id)
        finally:
            await engine.dispose()

    trace = asyncio.run(go())
    if trace is None:
        raise CliError(f"no lineage recorded for run {args.run_id}", EXIT_FAILED)
    print_json(trace.as_dict())
    return 0


def _dataset(args: argparse.Namespace) -> int:
    async def go() -> Any:
        reader, engine = _reader(args)
        try:
            return await dataset_lineage(reader, args.uri, max_depth=args.depth)
        finally:
            await engine.dispose()

    print_json(asyncio.run(go()).as_dict())
    return 0


def _runs(args: argparse.Namespace) -> int:
    since, until = parse_time(args.since), parse_time(args.until)

    async def go() -> Any:
        reader, engine = _reader(args)
        try:
            return await pipeline_runs(reader, args.pipeline_id, since, until)
        finally:
            await engine.dispose()

    print_json([run.as_dict() for run in asyncio.run(go())])
    return 0


def _export(args: argparse.Namespace) -> int:
    if not args.run_id and not args.pipeline:
        raise CliError("say what to export: --run-id RUN_ID and/or --pipeline PIPELINE", EXIT_BAD_INPUT)
    settings = _settings(args)
    builder = RunEventBuilder(
        namespace=settings.openlineage.namespace,
        producer=settings.openlineage.producer,
        schema_fields=SchemaFields(settings.openlineage.schema_dir),
    )
    endpoint = args.post or settings.openlineage.endpoint

    async def go() -> list[RunEvent]:
        reader, engine = _reader(args)
        try:
            events = await export_runs(
                reader,
                builder,
                run_ids=args.run_id,
                pipeline_id=args.pipeline,
                since=parse_time(args.since),
                until=parse_time(args.until),
            )
        finally:
            await engine.dispose()
        if endpoint:
            key = settings.openlineage.api_key
            client = http_client(
                endpoint,
                timeout_s=settings.openlineage.timeout_s,
                api_key=key.get_secret_value() if key else None,
            )
            await emit_events(client, events)
        return events

    try:
        events = asyncio.run(go())
    except LineageEmitError as exc:
        raise CliError(f"PIPE-1402 metadata sync failure: {exc}", EXIT_FAILED) from None
    if args.out:
        args.out.write_text(to_json_lines(events), encoding="utf-8")
    elif not endpoint:
        print(to_json_lines(events), end="")
    if endpoint or args.out:
        print(f"{len(events)} OpenLineage events" + (f" posted to {endpoint}" if endpoint else ""))
    return 0


def _redrive(args: argparse.Namespace) -> int:
    settings = _settings(args)

    async def go() -> tuple[int, int]:
        bus = build_bus(settings.bus)
        await bus.connect()
        try:
            return await redrive(bus, settings.service_name)
        finally:
            await bus.close()

    republished, unreadable = asyncio.run(go())
    print(f"republished {republished} dead-lettered event(s); {unreadable} unreadable")
    return 0 if unreadable == 0 else EXIT_FAILED
