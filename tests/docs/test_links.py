"""The docs point at what exists: every relative link, and every repository path they name in code spans."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`\s]+)`")
TOP = ("deploy/", "services/", "shared/", "tests/", "pipelines/", "cli/", "docs/", "bench/", ".ci/")
PLACEHOLDER = re.compile(r"[<>…{}$*]|\.\.\.|NAME|<")


def _targets(doc: Path) -> list[str]:
    text = doc.read_text(encoding="utf-8")
    return [m.group(1) for m in LINK.finditer(text)]


def _paths(doc: Path) -> list[str]:
    text = doc.read_text(encoding="utf-8")
    found = []
    for match in CODE.finditer(text):
        value = match.group(1).rstrip(".,:;")
        if value.startswith(TOP) and not PLACEHOLDER.search(value) and ":" not in value:
            found.append(value.split("#", 1)[0].split("[", 1)[0].split("::", 1)[0])
    return found


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_relative_links_resolve(doc: Path) -> None:
    missing = []
    for target in _targets(doc):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        path = (doc.parent / target.split("#", 1)[0]).resolve()
        if not path.exists():
            missing.append(target)
    assert missing == [], f"{doc.name} links to what does not exist"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_named_repository_paths_exist(doc: Path) -> None:
    missing = sorted({p for p in _paths(doc) if not (ROOT / p).exists()})
    assert missing == [], f"{doc.name} names paths that do not exist"
