"""How the demo shows what happened: timelines, lineage, the drift case, the quarantine."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from schemaline.cli.scenarios import ExampleB
from schemaline.contracts import Envelope
from schemaline.lineage_writer.queries import RunSummary


def _summary(envelope: Envelope[Any]) -> str:
    detail = envelope.detail
    kind = envelope.detail_type
    if kind == "BatchLanded":
        rerun = f", re-run of {detail.rerun_of}" if detail.rerun_of else ""
        return f"{detail.declared_fqid} → {detail.object_uri}{rerun}"
    if kind == "SchemaValidated":
        return f"{detail.valid_count}/{detail.record_count} valid under {detail.schema_fqid}"
    if kind == "SchemaDriftDetected":
        fields = ", ".join(field.pointer for field in detail.fields)
        return f"{detail.drifted_count}/{detail.record_count} drifted ({fields}) → quarantine"
    if kind == "PipelineFailed":
        return f"{detail.code.value}: {detail.message}"
    if kind == "SchemaProposed":
        covers = f", covers {', '.join(detail.covers_drift_cases)}" if detail.covers_drift_cases else ""
        return f"{detail.proposed_fqid} ({'compatible' if detail.compatible else 'incompatible'}{covers})"
    if kind == "SchemaApproved":
        return f"{detail.proposed_fqid} by {detail.approved_by}: {detail.reason}"
    if kind == "SchemaRejected":
        return f"{detail.proposed_fqid} by {detail.rejected_by}: {detail.reason}"
    if kind == "SchemaPublished":
        return f"{detail.fqid} is live"
    if kind == "DriftResolved":
        return f"case {detail.case_id} closed by {detail.fqid}; re-run {detail.rerun_id}"
    return ""


def timeline(console: Console, title: str, events: Sequence[Envelope[Any]]) -> None:
    if not events:
        return
    start: datetime = events[0].time
    table = Table(title=title, title_justify="left", expand=True)
    table.add_column("+ms", justify="right", no_wrap=True)
    table.add_column("run", no_wrap=True)
    table.add_column("event", no_wrap=True)
    table.add_column("from", no_wrap=True)
    table.add_column("what", overflow="fold", ratio=1)
    for envelope in events:
        offset = (envelope.time - start).total_seconds() * 1000
        table.add_row(
            f"{offset:.0f}",
            envelope.detail.meta.correlation_id or "",
            envelope.detail_type,
            envelope.source.removeprefix("schemaline.").removeprefix("pipelines."),
            _summary(envelope),
        )
    console.print(table)


def lineage(console: Console, runs: Sequence[RunSummary]) -> None:
    table = Table(title="Lineage (the seed's six fields per run)", title_justify="left", expand=True)
    for column in ("pipeline_id", "schema_fqid", "run_id"):
        table.add_column(column, no_wrap=True)
    table.add_column("s3_output_path", overflow="fold", ratio=1, min_width=48)
    for column in ("status", "validation_result", "re-run of"):
        table.add_column(column, no_wrap=True)
    for run in runs:
        table.add_row(
            run.pipeline_id or "",
            run.schema_fqid or "",
            run.run_id,
            run.outputs[0] if run.outputs else "",
            run.status,
            run.validation_result or "",
            run.rerun_of or "",
        )
    console.print(table)


def drift_case(console: Console, example: ExampleB) -> None:
    case, resolved, proposal = example.case, example.resolved_case, example.proposal
    console.print(f"[bold]Drift case[/] {case.case_id} on {case.subject}")
    for field in case.fields:
        seen = ", ".join(field.observed_types)
        console.print(f"  {field.kind.value} {field.pointer} ({seen}) in {field.records} record(s)")
    console.print(
        f"  proposal {example.proposal_id}: {proposal['base']} → {example.published} "
        f"({proposal['semver']}, {'compatible' if proposal['compatible'] else 'incompatible'}); "
        f"checked against {proposal['quarantined_records']} quarantined and "
        f"{proposal['sampled_valid_records']} valid record(s)"
    )
    for step in proposal["steps"]:
        console.print(f"    {step['kind']} {step['path']}: {step['detail']}")
    console.print(f"  held by the gate: {example.held_reason}")
    console.print(
        f"  state: [bold]{resolved.state.value}[/] (resolved by {resolved.resolved_by_fqid}); {resolved.note}"
    )


def quarantine(console: Console, objects_root: Path) -> None:
    folder = objects_root / "warehouse" / "quarantine"
    files = sorted(folder.rglob("*.jsonl")) if folder.exists() else []
    console.print(f"[bold]Quarantine[/] {folder}")
    for path in files:
        lines = sum(1 for _ in path.open("rb"))
        console.print(f"  {path.relative_to(objects_root)}  {lines} record(s)")
    if not files:
        console.print("  (empty)")


def upstream(console: Console, walk: dict[str, Any]) -> None:
    """A dataset's upstream chain: each run that wrote it, or wrote what such a run read."""
    table = Table(title=f"Upstream of {walk['dataset']}", title_justify="left", expand=True)
    table.add_column("hop", justify="right", no_wrap=True)
    table.add_column("run", no_wrap=True)
    table.add_column("read", overflow="fold", ratio=1)
    table.add_column("wrote", overflow="fold", ratio=1)
    for hop in walk["upstream"]:
        table.add_row(str(hop["depth"]), hop["run_id"], "\n".join(hop["inputs"]), "\n".join(hop["outputs"]))
    console.print(table)
