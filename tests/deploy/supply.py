"""Checks of the supply chain: what every install takes from an index, and what it takes from here.

The rule: a `schemaline-*` package only ever comes from this repository (a folder of the build
context, or a wheel built from it into the artefact bucket), never by name from an index; everything
else installs from a lock that pins each package with its hashes. Like manifests.py, each check
returns the problems it finds, so the tests can also show it catches a broken input.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
OURS = re.compile(r"^schemaline[-_.]", re.IGNORECASE)
ARTEFACT_WHEELS = "s3://schemaline-artifacts/glue/wheels/"
INDEX_OPTIONS = ("--index-url", "-i", "--extra-index-url", "--find-links", "-f")
# Options whose next word is their value, not a thing to install.
VALUE_OPTIONS = {
    "--python",
    "-p",
    "--wheel-dir",
    "-w",
    "--out-dir",
    "-o",
    "--target",
    "--prefix",
    "--constraints",
    "-c",
}


def logical_lines(text: str) -> list[str]:
    """Lines with backslash continuations joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    return [
        line.split(" #")[0].strip()
        for line in joined.splitlines()
        if line.strip() and not line.startswith("#")
    ]


def lock_problems(name: str, text: str) -> list[str]:
    """A hashed lock: every line `name==version` with hashes, no address, nothing of ours by name."""
    problems = []
    if re.search(r"[a-z+]+://", text):
        problems.append(f"{name}: holds an address")
    for line in logical_lines(text):
        if line.startswith("-"):
            problems.append(f"{name}: option line {line.split()[0]!r} (editable, index or path)")
            continue
        spec, _, options = line.partition(" --hash=")
        try:
            requirement = Requirement(spec.strip())
        except InvalidRequirement as exc:
            problems.append(f"{name}: {line[:60]!r}: {exc}")
            continue
        if OURS.match(requirement.name):
            problems.append(f"{name}: {requirement.name} by name could come from an index")
        if not re.fullmatch(r"==[^,*]+", str(requirement.specifier)):
            problems.append(f"{name}: {requirement.name} is not pinned with ==")
        if not options:
            problems.append(f"{name}: {requirement.name} has no hash")
    return problems


def install_commands(text: str) -> list[list[str]]:
    """Every `pip install|wheel` / `uv pip install` command of a shell text (Dockerfile RUNs, a Makefile)."""
    commands = []
    for line in logical_lines(text):
        for part in re.split(r"&&|\|\||;", line.removeprefix("RUN ")):
            words = shlex.split(part.replace("@$(UV)", "uv").replace("$(UV)", "uv"), posix=True)
            for at, word in enumerate(words[:-1]):
                if word.endswith("pip") and words[at + 1] in ("install", "wheel"):
                    commands.append(words[at:])
                    break
    return commands


def install_problems(where: str, command: list[str], hashed: Iterable[str]) -> list[str]:
    """An install takes requirement files only with --require-hashes, and only hashed locks;
    folders and wheels of ours only with --no-index; and nothing of ours by name."""
    shown = " ".join(command)[:90]
    problems = []
    files = [command[at + 1] for at, word in enumerate(command[:-1]) if word in ("-r", "--requirement")]
    if files and "--require-hashes" not in command:
        problems.append(f"{where}: `{shown}` installs {files} without --require-hashes")
    problems += [
        f"{where}: `{shown}` reads {f}, not a hashed lock" for f in files if Path(f).name not in hashed
    ]
    if any(option in command for option in INDEX_OPTIONS):
        problems.append(f"{where}: `{shown}` names an index")
    arguments = [
        word
        for at, word in enumerate(command[2:], start=2)
        if not word.startswith("-") and word not in files and command[at - 1] not in VALUE_OPTIONS
    ]
    local = [w for w in arguments if w.startswith(("./", "/", "$")) or w.endswith(".whl")]
    if local and "--no-index" not in command:
        problems.append(f"{where}: `{shown}` installs {local} with an index in reach")
    by_name = [w for w in arguments if w not in local and OURS.match(w)]
    problems += [f"{where}: `{shown}` asks an index for {name}" for name in by_name]
    return problems


def workspace_members(root: Path = ROOT) -> dict[str, Path]:
    """Distribution name → folder, for every member of the uv workspace."""
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]["members"]
    members: dict[str, Path] = {}
    for pattern in patterns:
        for folder in sorted(root.glob(pattern)):
            if (folder / "pyproject.toml").is_file():
                members[canonicalize_name(project(folder)["name"])] = folder
    return members


def project(folder: Path) -> dict[str, Any]:
    table: dict[str, Any] = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
    return table


def our_dependencies(folder: Path) -> set[str]:
    return {
        canonicalize_name(Requirement(spec).name)
        for spec in project(folder).get("dependencies", [])
        if OURS.match(Requirement(spec).name)
    }


def closure(names: Iterable[str], members: Mapping[str, Path]) -> set[str]:
    """The names and every schemaline-* package they need, transitively (unknown names kept)."""
    todo, found = list(names), set[str]()
    while todo:
        name = canonicalize_name(todo.pop())
        if name not in found:
            found.add(name)
            todo += our_dependencies(members[name]) if name in members else []
    return found


def wheel_name(folder: Path) -> str:
    """The file a pure-Python wheel build of the folder writes."""
    meta = project(folder)
    return f"{canonicalize_name(meta['name']).replace('-', '_')}-{meta['version']}-py3-none-any.whl"


def job_module_problems(job: str, value: str, members: Mapping[str, Path]) -> list[str]:
    """`--additional-python-modules` of a Glue job: ours only as wheels of the artefact bucket, all
    that they need included, each named as this tree's build writes it."""
    problems = []
    wheels: dict[str, str] = {}
    for item in (i.strip() for i in value.split(",") if i.strip()):
        if item.startswith(ARTEFACT_WHEELS) and item.endswith(".whl"):
            file = item.removeprefix(ARTEFACT_WHEELS)
            wheels[canonicalize_name(file.split("-")[0])] = file
        elif OURS.match(item):
            problems.append(f"{job}: {item} would come from an index")
        elif item.endswith(".whl") or "://" in item:
            problems.append(f"{job}: {item} is not in {ARTEFACT_WHEELS}")
    problems += [
        f"{job}: needs {name}, which no artefact wheel provides (an index would)"
        for name in sorted(closure(wheels, members) - set(wheels))
    ]
    for name, file in wheels.items():
        if name not in members:
            problems.append(f"{job}: {file} is not a package of this repository")
        elif file != wheel_name(members[name]):
            problems.append(f"{job}: {file}, but this tree builds {wheel_name(members[name])}")
    return problems
