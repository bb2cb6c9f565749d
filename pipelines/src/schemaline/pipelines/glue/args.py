"""A Glue job's arguments, read the way Glue passes them (`--name value`, extra Glue arguments ignored)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass

from schemaline.contracts import FqidError, PipelineId, RunId, Selector
from schemaline.pipelines.layout import DEFAULT_LAYOUT, LayoutError, check_layout, new_run_id


@dataclass(frozen=True, slots=True)
class JobArgs:
    """`schema_fqid` is what the job writes under; `input_schema_fqid` what it reads (pre-job check)."""

    schema_fqid: Selector
    input_path: str
    output_path: str
    run_id: RunId
    pipeline_id: PipelineId
    input_schema_fqid: Selector | None = None
    output_layout: str = DEFAULT_LAYOUT
    rerun_of: RunId | None = None  # the run this one re-runs (under another schema version)


def _selector(text: str) -> Selector:
    try:
        return Selector.parse(text)
    except FqidError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _layout(text: str) -> str:
    try:
        return check_layout(text)
    except LayoutError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parser(prog: str, *, input_schema_required: bool) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=f"Glue job {prog}")
    p.add_argument("--schema-fqid", type=_selector, required=True, help="FQID or selector (v1.1, ^1, latest)")
    p.add_argument(
        "--input-schema-fqid",
        type=_selector,
        required=input_schema_required,
        help="schema the input is checked against before the job (pre-job validation)",
    )
    p.add_argument("--input-path", required=True, help="batch object to read (JSON Lines)")
    p.add_argument("--output-path", required=True, help="prefix (or .jsonl object) to write to")
    p.add_argument(
        "--output-layout",
        type=_layout,
        default=DEFAULT_LAYOUT,
        help="folders under a prefix output path: {yyyy} {mm} {dd} (run start, UTC) and {run_id}",
    )
    p.add_argument("--run-id", help="run id (default: Glue's --JOB_RUN_ID, else a new jr-…)")
    p.add_argument("--pipeline-id", help="pipeline id (default: Glue's --JOB_NAME, else the job's)")
    p.add_argument("--rerun-of", help="the run id this run re-runs (lineage links the two)")
    # What Glue itself adds to a job run's arguments.
    p.add_argument("--JOB_RUN_ID", dest="glue_run_id", help=argparse.SUPPRESS)
    p.add_argument("--JOB_NAME", dest="glue_job_name", help=argparse.SUPPRESS)
    return p


def parse(
    argv: Sequence[str], *, prog: str, default_pipeline_id: str, input_schema_required: bool
) -> JobArgs:
    """Parse a job run's arguments; unknown ones (Glue's `--job-bookmark-option` …) are ignored.

    A malformed `--schema-fqid` exits with status 2 naming what is wrong, before anything runs.
    """
    ns, _unknown = parser(prog, input_schema_required=input_schema_required).parse_known_args(argv)
    return JobArgs(
        schema_fqid=ns.schema_fqid,
        input_schema_fqid=ns.input_schema_fqid,
        input_path=ns.input_path,
        output_path=ns.output_path,
        output_layout=ns.output_layout,
        run_id=RunId(ns.run_id or ns.glue_run_id or new_run_id()),
        pipeline_id=PipelineId(ns.pipeline_id or ns.glue_job_name or default_pipeline_id),
        rerun_of=RunId(ns.rerun_of) if ns.rerun_of else None,
    )
