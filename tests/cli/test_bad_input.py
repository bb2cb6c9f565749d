"""Every command fed bad input: exit 2 (usage or input) or 3 (a dependency unreachable), one line on
stderr naming what is wrong, never a traceback."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from schemaline.cli.main import main
from schemaline.drift_detector.api import create_app as drift_app
from schemaline.drift_detector.tables import metadata as drift_tables
from schemaline.governance.api import create_app as governance_app
from schemaline.governance.store import create_schema as governance_schema
from schemaline.lineage_writer.api import create_app as lineage_app
from schemaline.lineage_writer.openlineage import RunEventBuilder
from schemaline.lineage_writer.sql_store import SqlLineageReader
from schemaline.lineage_writer.sql_store import create_schema as lineage_schema
from schemaline.runtime.bus import EventBus, InMemoryTransport
from schemaline.runtime.db import create_engine
from schemaline.runtime.objectstore import LocalFolderStore
from schemaline.runtime.outbox import OutboxRelay
from schemaline.runtime.settings import OutboxSettings
from tests.support.api import tokens
from tests.support.serving import serve

UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens on loopback
GOOD_TOKEN = "runner-token-0123456789"

# Every operator command, with arguments that would be fine against a running service.
OPERATOR_COMMANDS = {
    "drift": [["list"], ["show", "dc-1"], ["propose", "dc-1"], ["ack", "dc-1"]],
    "governance": [
        ["proposals"],
        ["cases"],
        ["violations"],
        ["approve", "p-1", "--reason", "ok"],
        ["reject", "p-1", "--reason", "no"],
    ],
    "ledger": [["verify"], ["replay", "--name", "inc-1"]],
    "lineage": [
        ["run", "jr-1"],
        ["dataset", "s3://warehouse/raw/"],
        ["runs", "finance_raw_ingest"],
        ["export", "--run-id", "jr-1"],
        ["redrive"],
    ],
}
SERVICE_OF = {"drift": "drift", "governance": "governance", "ledger": "governance", "lineage": "lineage"}


def _deep(levels: int) -> dict[str, object]:
    document: dict[str, object] = {"type": "string"}
    for _ in range(levels):
        document = {"type": "object", "properties": {"a": document}}
    return document


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad")
    made = {
        "missing": folder / "missing.json",
        "empty": folder / "empty.json",
        "binary": folder / "binary.json",
        "deep": folder / "deep.json",
        "good": folder / "good.json",
        "data": folder / "data.jsonl",
        "folder": folder,
    }
    made["empty"].write_bytes(b"")
    made["binary"].write_bytes(bytes(range(256)) * 4)
    made["deep"].write_text(json.dumps(_deep(150)))
    made["good"].write_text(json.dumps({"type": "object"}))
    made["data"].write_text('{"a": 1}\n')
    return made


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's usage errors
        code = int(exit_.code or 0)
    return code, _one_line(capsys)


FILE_CASES = [
    (["schema", "diff", "{bad}", "{good}"], ("missing", "empty", "binary", "deep")),
    (["schema", "diff", "{good}", "{bad}"], ("missing", "empty", "binary", "deep")),
    (["schema", "check", "{good}", "--history", "{bad}"], ("missing", "empty", "binary", "deep")),
    (["validate", "{bad}", "{data}"], ("missing", "empty", "binary", "deep")),
    (["validate", "{good}", "{bad}"], ("missing", "folder")),
    (["jobs", "lint", "{bad}"], ("missing", "empty", "binary", "deep")),
    (["contracts", "export", "{bad}"], ("good",)),  # an existing file where a folder is wanted
]


@pytest.mark.parametrize(
    ("template", "kind"),
    [(template, kind) for template, kinds in FILE_CASES for kind in kinds],
    ids=lambda value: "-".join(value) if isinstance(value, list) else value,
)
def test_bad_files_exit_2(
    template: list[str], kind: str, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [part.format(bad=files[kind], good=files["good"], data=files["data"]) for part in template]
    code, line = _run(argv, capsys)
    assert code == 2, (argv, line)


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--records", "0"],
        ["demo", "--records", "-3"],
        ["demo", "--records", "many"],
        ["lineage", "dataset", "s3://x/", "--depth", "-1"],
        ["lineage", "dataset", "s3://x/", "--depth", "0"],
        ["lineage", "runs", "p", "--since", "yesterday"],
        ["ledger", "replay", "--since", "2025-10-07T07:00:00Z", "--until", "2025-10-07T06:00:00Z"],
        ["schema", "diff", "a.json", "b.json", "--level", "SIDEWAYS"],
        ["drift", "list", "--state", "closed"],
        ["drift", "list", "--url", "ftp://example.invalid"],
        ["nonsense"],
        [],
    ],
    ids=lambda argv: " ".join(argv) or "no-command",
)
def test_nonsense_arguments_exit_2(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SCHEMALINE_TOKEN", GOOD_TOKEN)
    code, line = _run(argv, capsys)
    assert code == 2, line


OPERATOR_CASES = [(group, action) for group, actions in OPERATOR_COMMANDS.items() for action in actions]


@pytest.mark.parametrize(("group", "action"), OPERATOR_CASES, ids=lambda v: v if isinstance(v, str) else v[0])
def test_unreachable_service_exits_3_naming_it(
    group: str, action: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SCHEMALINE_TOKEN", GOOD_TOKEN)
    code, line = _run([group, *action, "--url", UNREACHABLE], capsys)
    assert code == 3, line
    assert f"unreachable at {UNREACHABLE}" in line


@pytest.mark.parametrize(("group", "action"), OPERATOR_CASES, ids=lambda v: v if isinstance(v, str) else v[0])
def test_no_token_or_an_unreadable_token_file_exits_2(
    group: str,
    action: list[str],
    files: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("SCHEMALINE_TOKEN", raising=False)
    for extra in ([], ["--token-file", str(files["missing"])], ["--token-file", str(files["binary"])]):
        code, line = _run([group, *action, "--url", UNREACHABLE, *extra], capsys)
        assert code == 2, (extra, line)
        assert "token" in line


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[dict[str, str]]:
    """The three operator APIs on empty SQLite databases, served on loopback."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/all.db")
    await governance_schema(engine)
    await lineage_schema(engine)
    async with engine.begin() as conn:
        await conn.run_sync(drift_tables.create_all)
    bus = EventBus(InMemoryTransport())
    apps = {
        "drift": drift_app(
            engine=engine, objects=LocalFolderStore(tmp_path), registry_url=UNREACHABLE, tokens=tokens()
        ),
        "governance": governance_app(
            engine=engine, relay=OutboxRelay(engine, bus, OutboxSettings()), publisher=bus, tokens=tokens()
        ),
        "lineage": lineage_app(
            reader=SqlLineageReader(engine),
            builder=RunEventBuilder(namespace="n", producer="p"),
            tokens=tokens(),
            bus=bus,
        ),
    }
    async with serve(apps["drift"]) as drift, serve(apps["governance"]) as gov, serve(apps["lineage"]) as lin:
        yield {"drift": drift, "governance": gov, "lineage": lin}
    await engine.dispose()


async def test_a_wrong_token_exits_2_on_every_operator_command(
    services: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SCHEMALINE_TOKEN", "not-a-granted-token-at-all")
    for group, action in OPERATOR_CASES:
        argv = [group, *action, "--url", services[SERVICE_OF[group]]]
        code, line = await asyncio.to_thread(_run, argv, capsys)
        assert code == 2, (argv, line)
        assert "401: a valid bearer token is required" in line


def test_the_installed_command_prints_one_line_and_no_traceback(files: dict[str, Path]) -> None:
    """The same through the real entry point, in a fresh process."""
    command = [sys.executable, "-m", "schemaline.cli"]
    for argv, expected in (
        (["schema", "diff", str(files["deep"]), str(files["good"])], 2),
        (["lineage", "run", "jr-1", "--url", UNREACHABLE], 3),
        (["demo", "--records", "0"], 2),
    ):
        done = subprocess.run(
            [*command, *argv],
            capture_output=True,
            text=True,
            check=False,
            env={"SCHEMALINE_TOKEN": GOOD_TOKEN, "PATH": ""},
        )
        assert done.returncode == expected, done.stderr
        assert "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
