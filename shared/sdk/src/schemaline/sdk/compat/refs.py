"""One schema document: where each subschema lives, its base URI, and `$ref` resolution.

Only references inside the document (pointers, anchors, embedded `$id` resources) resolve; any
other URI is an `External` reference the engine compares by name only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urljoin

from schemaline.sdk.compat import pointer
from schemaline.sdk.compat.dialect import ANNOTATIONS, CONTAINERS, IDENTIFIERS, REFS, Draft, draft_of
from schemaline.sdk.compat.model import SchemaError

ROOT_URI = "https://schemaline.invalid/schema.json"
_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies")
_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems", "items")
_SINGLE = (
    "additionalProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "additionalItems",
    "items",
    "contains",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
    "contentSchema",
)
_REF_SIBLINGS = ANNOTATIONS | IDENTIFIERS | CONTAINERS | {"$schema"}


@dataclass(frozen=True, slots=True)
class External:
    """A reference to a schema outside the document."""

    uri: str


def children(node: dict[str, Any]) -> list[tuple[tuple[str | int, ...], Any]]:
    """Every direct subschema of `node` with its pointer tokens relative to `node`."""
    found: list[tuple[tuple[str | int, ...], Any]] = []
    for key in _MAPS:
        value = node.get(key)
        if isinstance(value, dict):
            found.extend(((key, name), sub) for name, sub in value.items() if isinstance(sub, dict | bool))
    for key in _LISTS:
        value = node.get(key)
        if isinstance(value, list):
            found.extend(((key, i), sub) for i, sub in enumerate(value) if isinstance(sub, dict | bool))
    for key in _SINGLE:
        value = node.get(key)
        if isinstance(value, dict | bool):
            found.append(((key,), value))
    return found


class Document:
    """A schema document with lazily built location and identifier indexes."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.draft: Draft = draft_of(root)
        self._paths: dict[int, str] | None = None
        self._bases: dict[int, str] = {}
        self._resources: dict[str, Any] = {}
        self._anchors: dict[str, Any] = {}
        self._with_refs: list[Any] = []

    def _index(self) -> dict[int, str]:
        if self._paths is not None:
            return self._paths
        paths: dict[int, str] = {}
        stack: list[tuple[Any, str, str]] = [(self.root, "#", ROOT_URI)]
        self._resources[ROOT_URI] = self.root
        while stack:
            node, path, base = stack.pop()
            if not isinstance(node, dict):
                continue
            node_id = node.get("$id")
            if isinstance(node_id, str):
                uri, fragment = urldefrag(urljoin(base, node_id))
                if uri and not node_id.startswith("#"):
                    base = uri
                    self._resources[base] = node
                if fragment:
                    self._anchors[base + "#" + fragment] = node
            for anchor_key in ("$anchor", "$dynamicAnchor"):
                anchor = node.get(anchor_key)
                if isinstance(anchor, str):
                    self._anchors.setdefault(base + "#" + anchor, node)
            paths[id(node)] = path
            self._bases[id(node)] = base
            if any(key in node for key in REFS):
                self._with_refs.append(node)
            for tokens, sub in children(node):
                stack.append((sub, pointer.join(path, *tokens), base))
        self._paths = paths
        return paths

    def path_of(self, node: Any, fallback: str) -> str:
        return self._index().get(id(node), fallback)

    def check_refs(self) -> None:
        """Raise SchemaError for a reference into this document that leads nowhere."""
        self._index()
        for node in self._with_refs:
            self.resolve(node)

    def resolve(self, node: dict[str, Any]) -> tuple[Any, str] | External:
        """The target of the reference keyword in `node` and its pointer."""
        paths = self._index()
        here = paths.get(id(node), "#")
        if "$ref" in node:
            keyword, ref = "$ref", node["$ref"]
        elif "$dynamicRef" in node:
            keyword, ref = "$dynamicRef", node["$dynamicRef"]
        else:
            keyword, ref = "$recursiveRef", node["$recursiveRef"]
        uri, fragment = urldefrag(urljoin(self._bases.get(id(node), ROOT_URI), str(ref)))
        if uri not in self._resources:
            return External(str(ref))
        target: Any = self._resources[uri]
        if fragment and not fragment.startswith("/"):
            if uri + "#" + fragment not in self._anchors:
                raise SchemaError(f"{here}/{keyword}: anchor {ref!r} is not defined in the schema")
            target = self._anchors[uri + "#" + fragment]
        elif fragment:
            for token in fragment[1:].split("/"):
                token = pointer.unescape(token)
                if isinstance(target, dict) and token in target:
                    target = target[token]
                elif isinstance(target, list) and token.isdigit() and int(token) < len(target):
                    target = target[int(token)]
                else:
                    raise SchemaError(f"{here}/{keyword}: {ref!r} points to nothing in the schema")
        if not isinstance(target, dict | bool):
            raise SchemaError(f"{here}/{keyword}: {ref!r} points to a value that is not a schema")
        return target, paths.get(id(target), "#" + fragment)

    def is_plain_ref(self, node: dict[str, Any]) -> bool:
        """True when `node` is only a reference (draft 7 ignores a `$ref`'s siblings)."""
        if self.draft <= Draft.D7:
            return "$ref" in node
        return any(key in node for key in REFS) and all(key in REFS or key in _REF_SIBLINGS for key in node)

    def deref(self, node: Any, path: str) -> tuple[Any, str]:
        """Follow plain references to the schema they name; External for one that leaves the document."""
        seen: set[int] = set()
        while isinstance(node, dict) and self.is_plain_ref(node):
            if id(node) in seen:
                raise SchemaError(f"{path}: the reference loops back to itself")
            seen.add(id(node))
            resolved = self.resolve(node)
            if isinstance(resolved, External):
                return resolved, path
            node, path = resolved
        return node, path
