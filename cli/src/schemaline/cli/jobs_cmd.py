"""`schemaline jobs lint [PATH ...]`: every Glue job must declare its schema FQID.

Exit 0 when each job declares a valid FQID or selector in `DefaultArguments["--schema-fqid"]`,
1 naming each job that does not (missing or malformed), 2 when a file is unreadable or not JSON.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from schemaline.cli._common import add_json_flag, check_nesting, print_json
from schemaline.cli.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK

DEFAULT_PATH = Path("pipelines/jobs")


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("jobs", help="pipeline job definitions")
    inner = parser.add_subparsers(dest="jobs_command", required=True, metavar="ACTION")
    check = inner.add_parser(
        "lint", help="check that every Glue job declares a valid schema FQID in DefaultArguments"
    )
    check.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help=f"job definition files or folders of *.json (default: {DEFAULT_PATH})",
    )
    add_json_flag(check)
    check.set_defaults(run=_lint)


def _lint(args: argparse.Namespace) -> int:
    from schemaline.pipelines.jobdefs import lint

    paths: list[Path] = args.paths or [DEFAULT_PATH]
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
