"""The command's shape: --version, --json wherever data is printed, parsers that import nothing heavy."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from schemaline.cli.main import build_parser, main

NO_DATA = {("demo",)}  # the demo shows a story, not data


def leaves(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += leaves(child, (*path, name))
    return found or [(path, parser)]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("schemaline 0.")


def test_every_command_that_prints_data_takes_json() -> None:
    commands = leaves(build_parser())
    assert len(commands) >= 22
    for path, parser in commands:
        if path in NO_DATA:
            continue
        options = {option for action in parser._actions for option in action.option_strings}
        assert "--json" in options, path


def test_parsing_imports_no_service_database_or_http_client() -> None:
    """What `schemaline --help` loads: the parsers only (the startup bench measures the rest)."""
    code = (
        "import sys; from schemaline.cli.main import build_parser; build_parser(); "
        "heavy = [m for m in ('httpx', 'sqlalchemy', 'pydantic', 'rich', 'jsonschema', 'fastapi', "
        "'schemaline.contracts', 'schemaline.sdk', 'schemaline.runtime') if m in sys.modules]; print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
