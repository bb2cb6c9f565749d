"""One schema document: where each subschema lives, its base URI, and `$ref` resolution.

Only references inside the document (pointers, anchors, embedded `$id` resources) resolve; any
other URI is an `External` reference the engine compares by name only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urljoin

import orjson

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


_ANCHORS = (b'"$anchor":', b'"$dynamicAnchor":', b'"$recursiveAnchor":')
_REF_VALUES = re.compile(rb'"\$(?:ref|dynamicRef|recursiveRef)":("(?:[^"\\]|\\.)*")')


class Document:
    """A schema document; its location and identifier indexes are built only when needed.

    Most schemas have at most a root `$id` and no anchors: their references resolve from the root
    alone, without walking the document (large schemas stay fast).
    """

    def __init__(self, root: Any, text: bytes | None = None) -> None:
        self.root = root
        self.draft: Draft = draft_of(root)
        self._text = orjson.dumps(root) if text is None else text
        root_id = root.get("$id") if isinstance(root, dict) else None
        self._root_base = urldefrag(urljoin(ROOT_URI, root_id))[0] if isinstance(root_id, str) else ROOT_URI
        self._simple = self._text.count(b'"$id":') == (root_id is not None) and not any(
            anchor in self._text for anchor in _ANCHORS
        )
        self._paths: dict[int, str] | None = None
        self._bases: dict[int, str] = {}
        self._resources: dict[str, Any] = {ROOT_URI: root, self._root_base: root}
        self._anchors: dict[str, Any] = {}
        self._with_refs: list[Any] = []
        self._targets: dict[tuple[str, str], tuple[Any, str] | External] = {}

    def _index(self) -> dict[int, str]:
        if self._paths is not None:
            return self._paths
        paths: dict[int, str] = {}
        stack: list[tuple[Any, str, str]] = [(self.root, "#", ROOT_URI)]
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
            # `$anchor` is a keyword from 2019-09 on (draft-07 names a location with `$id: "#name"`)
            for anchor_key in ("$anchor", "$dynamicAnchor") if self.draft >= Draft.D2019 else ():
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
        self._simple = False
        return paths

    def has_references(self) -> bool:
        return any(keyword in self._text for keyword in (b'"$ref":', b'"$dynamicRef":', b'"$recursiveRef":'))

    def check_refs(self) -> None:
        """Raise SchemaError for a reference into this document that leads nowhere."""
        if self._simple:
            try:
                for raw in _REF_VALUES.findall(self._text):
                    self._target(str(orjson.loads(raw)), self._root_base)
                return
            except LookupError:
                pass  # find where it is, to name its pointer
        self._index()
        for node in self._with_refs:
            self.resolve(node)

    def _target(self, ref: str, base: str) -> tuple[Any, str] | External:
        key = (ref, base)
        if key not in self._targets:
            self._targets[key] = self._find(ref, base)
        return self._targets[key]

    def _find(self, ref: str, base: str) -> tuple[Any, str] | External:
        uri, fragment = urldefrag(urljoin(base, ref))
        if uri not in self._resources:
            return External(ref)
        target: Any = self._resources[uri]
        if fragment and not fragment.startswith("/"):
            target = self._anchors[uri + "#" + fragment]
        elif fragment:
            for token in fragment[1:].split("/"):
                token = pointer.unescape(token)
                if isinstance(target, dict) and token in target:
                    target = target[token]
                elif isinstance(target, list) and token.isdigit() and int(token) < len(target):
                    target = target[int(token)]
                else:
                    raise LookupError(ref)
        if not isinstance(target, dict | bool):
            raise LookupError(ref)
        return target, "#" + fragment

    def resolve(self, node: dict[str, Any]) -> tuple[Any, str] | External:
        """The target of the reference keyword in `node` and its pointer."""
        keyword = next(key for key in ("$ref", "$dynamicRef", "$recursiveRef") if key in node)
        ref = str(node[keyword])
        if self._simple:
            try:
                return self._target(ref, self._root_base)
            except LookupError:
                pass
        paths = self._index()
        try:
            resolved = self._target(ref, self._bases.get(id(node), ROOT_URI))
        except LookupError:
            here = paths.get(id(node), "#")
            raise SchemaError(f"{here}/{keyword}: {ref!r} points to nothing in the schema") from None
        if isinstance(resolved, External):
            return resolved
        target, fallback = resolved
        return target, paths.get(id(target), fallback)

    def is_plain_ref(self, node: dict[str, Any]) -> bool:
        """True when `node` is only a reference (draft 7 ignores a `$ref`'s siblings)."""
        if "$ref" not in node and "$dynamicRef" not in node and "$recursiveRef" not in node:
            return False
        if self.draft <= Draft.D7:
            return "$ref" in node
        return all(key in REFS or key in _REF_SIBLINGS for key in node)

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
