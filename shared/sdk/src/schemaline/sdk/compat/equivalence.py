"""Structural equality of two subschemas, following references on both sides.

Two fragments that are equal once every `$ref` is replaced by its target accept the same
instances, so the walker can skip them. Unused `$defs` do not matter. Cycles are assumed equal
(bisimulation); an assumption that turns out false discards what was concluded under it.
"""

from __future__ import annotations

from typing import Any

from schemaline.sdk.compat.dialect import CONTAINERS, REFS
from schemaline.sdk.compat.facts import strict_equal
from schemaline.sdk.compat.refs import Document, External

_VALUES = frozenset({"enum", "const", "default", "examples", "required", "type"})


class Equivalence:
    def __init__(self, old: Document, new: Document) -> None:
        self.old = old
        self.new = new
        self._known: dict[tuple[int, int], bool] = {}
        self._log: list[tuple[int, int]] = []

    def __call__(self, left: Any, right: Any) -> bool:
        if self.old is self.new and left is right:
            return True
        return self._schemas(left, right)

    def _schemas(self, left: Any, right: Any) -> bool:
        if isinstance(left, dict) and isinstance(right, dict):
            left_ref = any(key in left for key in REFS)
            right_ref = any(key in right for key in REFS)
            if left_ref or right_ref:
                left = self.old.deref(left, "#")[0]
                right = self.new.deref(right, "#")[0]
                if isinstance(left, External) or isinstance(right, External):
                    return bool(left == right)
        if not (isinstance(left, dict) and isinstance(right, dict)):
            return type(left) is type(right) and strict_equal(left, right)
        key = (id(left), id(right))
        if key in self._known:
            return self._known[key]
        self._known[key] = True
        mark = len(self._log)
        result = self._objects(left, right)
        if not result:
            for stale in self._log[mark:]:
                self._known.pop(stale, None)
            del self._log[mark:]
        self._known[key] = result
        self._log.append(key)
        return result

    def _objects(self, left: dict[str, Any], right: dict[str, Any]) -> bool:
        left_keys = {k for k in left if k not in CONTAINERS}
        if left_keys != {k for k in right if k not in CONTAINERS}:
            return False
        for name in left_keys:
            a, b = left[name], right[name]
            if name in REFS:
                if not self._targets(left, right):
                    return False
            elif name in _VALUES or not isinstance(a, dict | list):
                if not strict_equal(a, b):
                    return False
            elif isinstance(a, list):
                if not isinstance(b, list) or len(a) != len(b):
                    return False
                if not all(self._schemas(x, y) for x, y in zip(a, b, strict=True)):
                    return False
            elif not isinstance(b, dict):
                return False
            elif name in ("properties", "patternProperties", "$defs", "dependentSchemas", "dependencies"):
                if a.keys() != b.keys() or not all(self._schemas(v, b[k]) for k, v in a.items()):
                    return False
            elif not self._schemas(a, b):
                return False
        return True

    def _targets(self, left: dict[str, Any], right: dict[str, Any]) -> bool:
        """The references of two nodes that also have other keywords lead to equal schemas."""
        left_target = self.old.resolve(left)
        right_target = self.new.resolve(right)
        if isinstance(left_target, External) or isinstance(right_target, External):
            return left_target == right_target
        return self._schemas(left_target[0], right_target[0])
