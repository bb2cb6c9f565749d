"""No schemaline-* package can come from an index; everything else installs hash-checked."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.deploy.manifests import DOCKERFILE, DOCKERIGNORE
from tests.deploy.supply import (
    ARTEFACT_WHEELS,
    ROOT,
    closure,
    install_commands,
    install_problems,
    job_module_problems,
    lock_problems,
    logical_lines,
    wheel_name,
    workspace_members,
)

LOCKS = {
    "requirements.lock": ROOT / "requirements.lock",
    "requirements.txt": ROOT / "deploy" / "images" / "requirements.txt",
    "build-tools.txt": ROOT / "deploy" / "images" / "build-tools.txt",
}
INSTALLERS = {"Dockerfile": DOCKERFILE, "Makefile": ROOT / "Makefile"}
JOBS = sorted((ROOT / "pipelines" / "jobs").glob("*.json"))
MEMBERS = workspace_members()
HASH = "--hash=sha256:" + "0" * 64


def make_variable(name: str) -> list[str]:
    """A Makefile variable as make expands it."""
    out = subprocess.run(
        ["make", "--no-print-directory", "-s", "--eval", f"show-it:\n\t@echo $({name})", "show-it"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.split()


@pytest.mark.parametrize("name", sorted(LOCKS))
def test_locks_pin_every_package_with_hashes_and_nothing_of_ours(name: str) -> None:
    assert lock_problems(name, LOCKS[name].read_text()) == []


def _pins(text: str) -> set[tuple[str, frozenset[str]]]:
    """(name==version, its hashes) of each requirement; environment markers may differ per export."""
    pins = set()
    for line in logical_lines(text):
        words = line.split()
        pins.add((words[0], frozenset(w for w in words if w.startswith("--hash="))))
    return pins


def test_image_locks_agree_with_the_development_lock() -> None:
    """All three come from one `uv lock` (make lock): the image runs the versions the tests ran."""
    development = _pins(LOCKS["requirements.lock"].read_text())
    for name in ("requirements.txt", "build-tools.txt"):
        assert _pins(LOCKS[name].read_text()) <= development, name


@pytest.mark.parametrize("name", sorted(INSTALLERS))
def test_every_install_is_hash_checked_or_offline(name: str) -> None:
    commands = install_commands(INSTALLERS[name].read_text())
    assert len(commands) >= 2, f"{name}: the install commands were not found"
    problems = [p for command in commands for p in install_problems(name, command, LOCKS)]
    assert problems == []


def test_the_image_builds_every_workspace_member_from_the_context() -> None:
    """What the Dockerfile's wheel loop globs is exactly the uv workspace, none of it dockerignored."""
    loop = next(i for i in logical_lines(DOCKERFILE.read_text()) if "uv build" in i)
    patterns = loop.split(" in ", 1)[1].split(";", 1)[0].split()
    built = {path.resolve() for pattern in patterns for path in ROOT.glob(pattern.removeprefix("./"))}
    assert built == {folder.resolve() for folder in MEMBERS.values()}
    copied = {i.split()[1] for i in logical_lines(DOCKERFILE.read_text()) if i.startswith("COPY ")}
    ignored = {line.strip().rstrip("/") for line in DOCKERIGNORE.read_text().splitlines()}
    for folder in MEMBERS.values():
        relative = folder.relative_to(ROOT)
        assert any(relative.is_relative_to(c.rstrip("/")) for c in copied), f"{relative} is not copied"
        assert not {relative.parts[0], str(relative)} & ignored, f"{folder} is dockerignored"


def test_make_install_takes_the_same_members() -> None:
    assert {ROOT / p for p in make_variable("WORKSPACE")} == set(MEMBERS.values())


def test_workspace_packages_need_only_workspace_packages() -> None:
    assert closure(MEMBERS, MEMBERS) == set(MEMBERS)


@pytest.mark.parametrize("job", JOBS, ids=lambda p: p.stem)
def test_glue_jobs_take_our_wheels_from_the_artefact_bucket(job: Path) -> None:
    arguments = json.loads(job.read_text())["DefaultArguments"]
    modules = arguments["--additional-python-modules"]
    assert ARTEFACT_WHEELS in modules
    assert job_module_problems(job.stem, modules, MEMBERS) == []


def test_the_wheels_build_as_the_jobs_name_them(tmp_path: Path) -> None:
    """`make wheels` (no index) writes exactly the files the job definitions install."""
    subprocess.run(["make", "-s", "wheels", f"WHEELS_DIR={tmp_path}"], cwd=ROOT, check=True)
    named = {
        item.strip().removeprefix(ARTEFACT_WHEELS)
        for job in JOBS
        for item in json.loads(job.read_text())["DefaultArguments"]["--additional-python-modules"].split(",")
    }
    assert {p.name for p in tmp_path.glob("*.whl")} == named


# ---- the checks catch the mistakes they are for ----------------------------------------------------


def test_lock_check_catches_names_editables_addresses_and_missing_hashes() -> None:
    cases = {
        f"schemaline-contracts==0.1.0 {HASH}": "could come from an index",
        "-e ./cli": "option line",
        "orjson==3.13.0": "has no hash",
        f"orjson>=3 {HASH}": "not pinned",
        f"orjson==3.13.0 {HASH}\n# from a mirror: https://example.invalid/simple": "address",
    }
    for text, expected in cases.items():
        problems = lock_problems("lock", text)
        assert len(problems) == 1, (text, problems)
        assert expected in problems[0]
    assert lock_problems("lock", f"uvloop==0.23.0 ; sys_platform != 'win32' \\\n    {HASH}") == []


def test_install_check_catches_unhashed_locks_and_ours_within_reach_of_an_index() -> None:
    def problems(line: str) -> list[str]:
        [command] = install_commands(line)
        return install_problems("x", command, LOCKS)

    assert problems("uv pip install --require-hashes -r requirements.lock") == []
    assert problems("uv pip install --python /opt/v/bin/python --no-index --no-deps /tmp/w/*.whl") == []
    assert "without --require-hashes" in problems("uv pip install -r requirements.lock")[0]
    assert "not a hashed lock" in problems("pip install --require-hashes -r other.txt")[0]
    assert "index in reach" in problems("uv pip install --python /v/bin/python ./services/validator")[0]
    assert "asks an index for schemaline-pipelines" in problems("pip install schemaline-pipelines")[0]
    assert "names an index" in problems("RUN pip install --no-index --find-links /w ./cli")[0]


def test_job_check_catches_index_names_missing_wheels_and_stale_versions() -> None:
    def wheels(*names: str) -> str:
        return ",".join(ARTEFACT_WHEELS + name for name in names)

    contracts, sdk, pipelines = (
        wheel_name(MEMBERS[n]) for n in ("schemaline-contracts", "schemaline-sdk", "schemaline-pipelines")
    )
    assert job_module_problems("j", wheels(contracts, sdk, pipelines) + ",pyarrow==17.0.0", MEMBERS) == []
    assert "would come from an index" in job_module_problems("j", "schemaline-pipelines==0.1.0", MEMBERS)[0]
    missing = job_module_problems("j", wheels(pipelines), MEMBERS)
    assert [p.split("needs ")[1].split(",")[0] for p in missing] == ["schemaline-contracts", "schemaline-sdk"]
    stale = job_module_problems(
        "j", wheels(contracts, sdk, "schemaline_pipelines-0.0.9-py3-none-any.whl"), MEMBERS
    )
    assert len(stale) == 1
    assert "this tree builds" in stale[0]
    assert (
        "not in"
        in job_module_problems("j", wheels(contracts, sdk, pipelines) + ",s3://elsewhere/x.whl", MEMBERS)[0]
    )
