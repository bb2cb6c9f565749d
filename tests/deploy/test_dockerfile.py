"""Dockerfile: the shape deploy/images/test.sh relies on (it builds and runs the image for real).

These checks read the file; the proof that the image builds and that every service runs from it
is `make image-test` (deploy/images/test.sh), which `.ci/run` runs.
"""

from __future__ import annotations

import json
import re

from tests.deploy.manifests import DOCKERFILE, DOCKERIGNORE, image_problems

TEXT = DOCKERFILE.read_text()
# Instructions with their continuation lines joined, comments dropped.
INSTRUCTIONS = [
    line.strip()
    for line in re.sub(
        r"\\\n", " ", "\n".join(li for li in TEXT.splitlines() if not li.lstrip().startswith("#"))
    ).splitlines()
    if line.strip()
]
ARGS = dict(re.findall(r"^ARG (\w+)=(\S+)$", TEXT, re.MULTILINE))


def stages() -> list[list[str]]:
    found: list[list[str]] = []
    for instruction in INSTRUCTIONS:
        if instruction.startswith("FROM "):
            found.append([])
        if found:
            found[-1].append(instruction)
    return found


def stage_names() -> set[str]:
    return {s[0].split()[-1] for s in stages() if " AS " in s[0]}


def resolve(reference: str) -> str:
    return re.sub(r"\$\{(\w+)\}", lambda m: ARGS[m.group(1)], reference)


def test_the_base_is_a_pinned_build_argument() -> None:
    bases = [resolve(i.split()[1]) for i in INSTRUCTIONS if i.startswith("FROM ")]
    external = [b for b in bases if b not in stage_names()]
    assert external == [ARGS["BASE"]], "one external base, from ARG BASE"
    assert image_problems("Dockerfile", ARGS["BASE"]) == []


def test_both_stages_start_from_one_base_stage() -> None:
    """The venv built in `build` links to the interpreter of `base`: the runtime must have the same."""
    parents = {s[0].split()[-1]: resolve(s[0].split()[1]) for s in stages()}
    assert parents["build"] == "base"
    assert parents["runtime"] == "base"


def test_run_shells_fail_on_any_error_in_a_pipe() -> None:
    shells = [json.loads(i.removeprefix("SHELL ")) for i in INSTRUCTIONS if i.startswith("SHELL ")]
    assert shells, "no SHELL: RUN would use sh -c without pipefail"
    first_run = next(n for n, i in enumerate(INSTRUCTIONS) if i.startswith("RUN "))
    first_shell = next(n for n, i in enumerate(INSTRUCTIONS) if i.startswith("SHELL "))
    assert first_shell < first_run
    assert all("pipefail" in shell and "errexit" in shell for shell in shells)


def test_dependencies_are_a_layer_before_the_sources() -> None:
    build = stages()[[s[0].split()[-1] for s in stages()].index("build")]
    third_party = next(n for n, i in enumerate(build) if "-r requirements.txt" in i)
    sources = [n for n, i in enumerate(build) if i.startswith("COPY ") and "/ " in i]
    assert sources, "the build stage copies no source folder"
    assert third_party < min(sources), "a source change would reinstall every dependency"


def test_runtime_stage_runs_as_a_numeric_non_root_user() -> None:
    final = stages()[-1]
    users = [i.split()[1] for i in final if i.startswith("USER ")]
    assert users, "the final stage sets no USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit(), f"USER {users[-1]}: Kubernetes checks runAsNonRoot against a numeric uid"
    assert int(uid) != 0
    assert not any(i.startswith("RUN ") for i in final[final.index(f"USER {users[-1]}") :])


def test_runtime_stage_carries_no_tools_or_sources() -> None:
    final = stages()[-1]
    copies = [i for i in final if i.startswith("COPY ")]
    assert copies == ["COPY --from=build /opt/schemaline /opt/schemaline"]


def test_dockerignore_keeps_local_state_out() -> None:
    ignored = {line.strip() for line in DOCKERIGNORE.read_text().splitlines()}
    assert {".git", ".venv", ".env", "uv.lock"} <= ignored
