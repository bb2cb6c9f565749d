"""`schemaline schema diff|check`: the offline compatibility check, no registry needed."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from schemaline.cli._common import check_nesting
from schemaline.cli.errors import EXIT_FAILED, EXIT_OK, CliError

if TYPE_CHECKING:
    from schemaline.sdk.compat import Change, Level, Policy

    Section = tuple[str, str, list[Change]]  # title, direction (backward/forward), changes

# The compatibility engine's levels and policies, spelled out so building the parser imports nothing.
LEVELS = (
    "NONE",
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
)
POLICIES = ("strict", "lenient")

T = TypeVar("T")


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("schema", help="JSON Schema compatibility, offline")
    inner = parser.add_subparsers(dest="schema_command", required=True, metavar="ACTION")
    diff_parser = inner.add_parser("diff", help="the changes from OLD to NEW and the verdict at a level")
    diff_parser.add_argument("old", type=Path, metavar="OLD.json")
    diff_parser.add_argument("new", type=Path, metavar="NEW.json")
    _options(diff_parser)
    diff_parser.set_defaults(run=_diff)
    check_parser = inner.add_parser("check", help="NEW against a subject's history at a level")
    check_parser.add_argument("new", type=Path, metavar="NEW.json")
    check_parser.add_argument(
        "--history",
        type=Path,
        nargs="+",
        required=True,
        metavar="V.json",
        help="earlier versions, oldest first",
    )
    _options(check_parser)
    check_parser.set_defaults(run=_check)


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--level", type=str.upper, choices=LEVELS, default="BACKWARD")
    parser.add_argument("--policy", type=str.lower, choices=POLICIES, default="strict")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")


def load(path: Path) -> Any:
    """A schema file, validated; CliError (exit 2) with the reason otherwise."""
    from schemaline.sdk.compat import SchemaError, validate

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from None
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"{path} is not JSON: {exc}") from None
    check_nesting(schema, path)
    try:
        validate(schema)
    except SchemaError as exc:
        raise CliError(f"{path} is not a valid JSON Schema: {exc}") from None
    return schema


def _diff(args: argparse.Namespace) -> int:
    old, new = load(args.old), load(args.new)
    return _guarded(_diff_loaded, args, old, new)


def _guarded(run: Callable[..., T], *args: Any) -> T:
    from schemaline.sdk.compat import SchemaError

    try:
        return run(*args)
    except SchemaError as exc:  # validated on load; kept so a bad schema never ends in a traceback
        raise CliError(f"not a valid JSON Schema: {exc}") from None


def _diff_loaded(args: argparse.Namespace, old: Any, new: Any) -> int:
    from schemaline.sdk.compat import Level, Policy, check, diff

    level, policy = Level(args.level), Policy(args.policy)
    verdict = check(new, [old], level, policy)
    # Each change is labelled in the direction the level reads it: FORWARD asks whether the old
    # schema reads new data, so its changes are those of diff(NEW, OLD); FULL shows both.
    sections: list[Section] = [
        (f"{args.old} → {args.new} ({c.direction})", c.direction, list(c.changes))
        for c in verdict.comparisons
    ]
    if not sections:  # NONE compares nothing: the backward reading, for information
        title = f"{args.old} → {args.new} (backward, not enforced at NONE)"
        sections = [(title, "backward", diff(old, new, policy))]
    return _report(args, verdict.compatible, level, policy, sections)


def _check(args: argparse.Namespace) -> int:
    new = load(args.new)
    history = [load(path) for path in args.history]
    from schemaline.sdk.compat import Level, Policy, check

    level, policy = Level(args.level), Policy(args.policy)
    verdict = _guarded(check, new, history, level, policy)
    sections: list[Section] = [
        (f"{args.new} vs {args.history[c.history_index]} ({c.direction})", c.direction, list(c.changes))
        for c in verdict.comparisons
    ]
    return _report(args, verdict.compatible, level, policy, sections)


def _report(
    args: argparse.Namespace,
    compatible: bool,
    level: Level,
    policy: Policy,
    sections: list[Section],
) -> int:
    if args.json:
        document = {
            "compatible": compatible,
            "level": level.value,
            "policy": policy.value,
            "changes": [
                {**change.to_json(), "direction": direction}
                for _, direction, changes in sections
                for change in changes
            ],
        }
        sys.stdout.write(json.dumps(document, ensure_ascii=False) + "\n")
    else:
        _table(compatible, level, policy, sections)
    return EXIT_OK if compatible else EXIT_FAILED


def _table(compatible: bool, level: Level, policy: Policy, sections: list[Section]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    for title, _direction, changes in sections:
        table = Table(title=title, title_justify="left", show_lines=False)
        table.add_column("")
        table.add_column("change", no_wrap=True)
        for column in ("path", "message", "suggestion"):
            table.add_column(column, overflow="fold")
        for change in changes:
            mark = "[green]ok[/]" if change.compatible else "[red]BREAKS[/]"
            table.add_row(mark, change.type, change.path, change.message, change.suggestion or "")
        if changes:
            console.print(table)
        else:
            console.print(f"{title}: no changes")
    verdict = "[green]compatible[/]" if compatible else "[red]incompatible[/]"
    semver = "minor" if compatible else "major"
    console.print(f"{level.value} ({policy.value}): {verdict}; next version: {semver}")
