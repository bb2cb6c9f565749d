"""`schemaline jobs lint [PATH ...]`: every Glue job and Lambda function declares its schema FQID
and runs on a Python the pipelines run on.

Exit 0 when each declares a valid FQID or selector (`DefaultArguments["--schema-fqid"]`, or the
function's `SCHEMALINE_SCHEMA_FQID`) on a runtime with Python >= 3.11; 1 naming each that does
not; 2 when a file is unreadable or not JSON.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from schemaline.cli._common import add_json_flag, check_nesting, print_json
from schemaline.cli.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK

DEFAULT_PATHS = [Path("pipelines/jobs"), Path("pipelines/functions")]


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("jobs", help="pipeline job definitions")
    inner = parser.add_subparsers(dest="jobs_command", required=True, metavar="ACTION")
    check = inner.add_parser(
        "lint",
        help="check that every Glue job and Lambda function declares a valid schema FQID and runs on "
        "a Python the pipelines run on (>= 3.11: Glue 5.0, python3.11/3.12)",
    )
    check.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help=f"definition files or folders of *.json (default: {' '.join(map(str, DEFAULT_PATHS))})",
    )
    add_json_flag(check)
    check.set_defaults(run=_lint)


def _lint(args: argparse.Namespace) -> int:
    from schemaline.pipelines.jobdefs import lint

    paths: list[Path] = args.paths or DEFAULT_PATHS
    report = lint(paths)
    for job in report.checked:
        check_nesting(job.body, job.path)
    for unreadable in report.unreadable:
        print(f"schemaline: {unreadable}", file=sys.stderr)
    good = [job for job in report.checked if all(job is not bad for bad, _ in report.offending)]
    if args.json:
        print_json(
            {
                "declared": [{"path": str(j.path), "job": j.name, "schema": str(j.selector)} for j in good],
                "offending": [
                    {"path": str(j.path), "job": j.name, "problems": found} for j, found in report.offending
                ],
                "unreadable": [str(exc) for exc in report.unreadable],
            }
        )
    else:
        for job, problems in report.offending:
            for problem in problems:
                print(f"{job.path}: job {job.name!r} {problem}")
        for job in good:
            print(f"{job.path}: job {job.name!r} declares {job.selector}")
    if report.unreadable:
        return EXIT_BAD_INPUT
    if report.offending:
        return EXIT_FAILED
    if not report.checked:
        print(f"schemaline: no job definitions under {', '.join(map(str, paths))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK
