"""`schemaline demo`: the seed's Examples A and B on the embedded default, shown step by step."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from schemaline.cli import demo_view
from schemaline.cli.errors import EXIT_FAILED
from schemaline.cli.scenarios import (
    ExampleB,
    GdpRerun,
    rerun_gdp_under_fix,
    run_example_a,
    run_example_b,
    seed_registry,
)
from schemaline.cli.stack import EmbeddedStack, embedded_stack
from schemaline.contracts import Envelope, Layer, SchemaDriftDetected
from schemaline.lineage_writer.queries import RunSummary, run_trace
from schemaline.pipelines.runner import ChainResult
from schemaline.runtime.logging import configure_logging

STEPS = 19  # the progress bar: 6 schemas and contracts, 4 + 4 stages, the drift loop, the GDP re-run


def demo(args: argparse.Namespace) -> int:
    # Piped or in CI, rich would assume 80 columns; the tables read better wider.
    console = Console() if sys.stdout.isatty() else Console(width=160)
    configure_logging("WARNING", json_logs=False)  # the demo shows what happened; logs are for services
    shutil.rmtree(args.workdir, ignore_errors=True)
    started = time.perf_counter()
    serve = (args.console_host, args.console_port) if args.console else None
    ok = asyncio.run(_run(console, args.workdir, args.records, serve))
    console.print(f"\nDone in {time.perf_counter() - started:.1f}s. State kept in {args.workdir}/.")
    return 0 if ok else EXIT_FAILED


async def _run(console: Console, workdir: Path, records: int, serve: tuple[str, int] | None) -> bool:
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("starting the embedded stack", total=STEPS)

        def step(text: str) -> None:
            progress.update(task, advance=1, description=text)
            progress.console.print(f"[dim]·[/] {text}")

        async with embedded_stack(workdir) as stack:
            await seed_registry(stack, step)
            mark_a = len(stack.events())
            example_a = await run_example_a(stack, step, records=records)
            mark_b = len(stack.events())
            example_b = await run_example_b(stack, step, records=records)
            rerun = await rerun_gdp_under_fix(stack, step, example_b)
            events = stack.events()
            run_ids: list[str] = [stage.run_id for stage in (*example_a.stages, *example_b.chain.stages)]
            run_ids += [run.rerun_id for run in example_b.resolved_case.runs if run.rerun_id]
            run_ids.append(rerun.rerun_id)
            summaries = [await _summary(stack, run_id) for run_id in run_ids]
            progress.stop()
            ok = _report(console, workdir, events, mark_a, mark_b, summaries, example_a, example_b, rerun)
            if serve is not None:
                from schemaline.cli.demo_console import serve_console

                await serve_console(stack, console, host=serve[0], port=serve[1])
    return ok


def _report(
    console: Console,
    workdir: Path,
    events: list[Envelope[Any]],
    mark_a: int,
    mark_b: int,
    summaries: list[RunSummary | None],
    example_a: ChainResult,
    example_b: ExampleB,
    rerun: GdpRerun,
) -> bool:
    console.rule("Example A — normal flow")
    demo_view.timeline(console, "Events", events[mark_a:mark_b])
    console.rule("Example B — drift detection")
    demo_view.timeline(console, "Events", events[mark_b:])
    console.rule("What was recorded")
    demo_view.lineage(console, [summary for summary in summaries if summary is not None])
    demo_view.drift_case(console, example_b)
    demo_view.quarantine(console, workdir / "objects")
    demo_view.upstream(console, rerun.kpi_upstream)
    gdp = example_b.chain.stage(Layer.GDP)
    lost = _lost(example_b)
    console.print(
        f"[bold]Records[/]: {gdp.records_in} reached GDP in Example B; "
        f"{example_b.case.drifted_records} were quarantined and re-ran under {example_b.published}; "
        f"{lost} lost."
    )
    rerun_ok = rerun.verdict is not None and rerun.verdict.detail_type == "SchemaValidated"
    console.print(
        f"[bold]Re-run[/]: GDP run {rerun.original_run_id} re-ran under {example_b.published} as "
        f"{rerun.rerun_id} → {rerun.verdict.detail_type if rerun.verdict else 'no verdict'}"
    )
    resolved = example_b.resolved_case.state.value == "resolved"
    return example_a.completed and resolved and lost == 0 and rerun_ok


async def _summary(stack: EmbeddedStack, run_id: str) -> RunSummary | None:
    trace = await run_trace(stack.lineage.reader, run_id)
    return None if trace is None else trace.run


def _lost(example_b: ExampleB) -> int:
    """GDP input = valid downstream + quarantined, and every quarantined record passed its re-run."""
    gdp = example_b.chain.stage(Layer.GDP)
    verdict = gdp.verdict.detail if gdp.verdict is not None else None
    if not isinstance(verdict, SchemaDriftDetected):
        return gdp.records_in
    quarantined = verdict.drifted_count + verdict.invalid_count
    valid = verdict.record_count - quarantined
    rerun_passed = sum(
        run.drifted_records for run in example_b.resolved_case.runs if run.rerun_state == "passed"
    )
    return gdp.records_in - valid - rerun_passed
