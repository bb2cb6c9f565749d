"""`diff`: validate both schemas, walk them together, return the changes in traversal order."""

from __future__ import annotations

from schemaline.sdk.compat.context import Context, Shared
from schemaline.sdk.compat.equivalence import Equivalence
from schemaline.sdk.compat.model import Change, JsonSchema, Policy
from schemaline.sdk.compat.refs import Document
from schemaline.sdk.compat.validation import validate
from schemaline.sdk.compat.walker import walk


def diff(original: JsonSchema, update: JsonSchema, policy: Policy) -> list[Change]:
    old = validate(original)
    new = old if update is original else validate(update)
    return compare(old, new, policy)


def compare(old: Document, new: Document, policy: Policy) -> list[Change]:
    """Changes between two validated documents (the registry may keep Documents around)."""
    shared = Shared(policy, walk, Equivalence(old, new), Equivalence(new, old))
    context = Context(old, new, shared)
    context.compare(old.root, new.root, "#")
    seen: set[tuple[str, str]] = set()
    changes: list[Change] = []
    for change in context.changes:
        if (change.type, change.keyword) not in seen:  # a shared `$defs` entry is reported once
            seen.add((change.type, change.keyword))
            changes.append(change)
    return changes
