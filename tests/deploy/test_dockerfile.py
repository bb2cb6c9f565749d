"""Dockerfile: installs the requirements.lock pins, every service, runs as a non-root user."""

from __future__ import annotations

import re

from tests.deploy.manifests import DOCKERFILE, DOCKERIGNORE, PACKAGES, ROOT, image_problems

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


def resolve(reference: str) -> str:
    return re.sub(r"\$\{(\w+)\}", lambda m: ARGS[m.group(1)], reference)


def test_base_images_are_pinned() -> None:
    problems = []
    for instruction in INSTRUCTIONS:
        if instruction.startswith("FROM "):
            image = resolve(instruction.split()[1])
            if image not in {s[0].split()[-1] for s in stages() if " AS " in s[0]}:
                problems += image_problems("Dockerfile", image)
    assert problems == []
    assert ARGS, "base images come from ARG defaults"


def test_installs_from_requirements_lock_with_uv() -> None:
    copies = [i for i in INSTRUCTIONS if i.startswith("COPY ") and "requirements.lock" in i]
    assert copies, "requirements.lock is not copied into the build"
    install = next(i for i in INSTRUCTIONS if "uv pip install" in i)
    assert re.search(r"(--constraints|-c|-r) constraints\.txt", install)
    assert any("requirements.lock > constraints.txt" in i for i in INSTRUCTIONS)
    assert "--build-constraints" in install


def test_installs_every_service() -> None:
    install = next(i for i in INSTRUCTIONS if "uv pip install" in i)
    missing = [s for s in PACKAGES if f"./services/{s}" not in install.split()]
    assert missing == []


def test_runtime_stage_runs_as_a_numeric_non_root_user() -> None:
    final = stages()[-1]
    users = [i.split()[1] for i in final if i.startswith("USER ")]
    assert users, "the final stage sets no USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit(), f"USER {users[-1]}: Kubernetes checks runAsNonRoot against a numeric uid"
    assert int(uid) != 0
    assert not any(i.startswith("RUN ") for i in final[final.index(f"USER {users[-1]}") :])


def test_no_urls_in_the_build_inputs() -> None:
    for path in (DOCKERFILE, ROOT / "deploy" / "build-constraints.txt", ROOT / "requirements.lock"):
        assert not re.search(r"https?://|file://|git\+", path.read_text()), path.name


def test_dockerignore_keeps_local_state_out() -> None:
    ignored = {line.strip() for line in DOCKERIGNORE.read_text().splitlines()}
    assert {".git", ".venv", ".env", "uv.lock"} <= ignored
