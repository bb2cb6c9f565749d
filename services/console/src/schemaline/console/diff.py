"""Two JSON documents side by side, line against line, for the patch review."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["same", "changed", "added", "removed", "skipped"]


@dataclass(frozen=True)
class Row:
    kind: Kind
    left: str | None  # None: no line on that side
    right: str | None
    left_no: int | None
    right_no: int | None
    skipped: int = 0  # a "skipped" row stands for this many unchanged lines


def _lines(document: Any) -> list[str]:
    # Sorted keys: the same schema always prints the same way, so only real changes show.
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False).splitlines()


def side_by_side(before: Any, after: Any) -> list[Row]:
    """Rows of the two documents pretty-printed, unchanged lines beside each other, changes marked."""
    left, right = _lines(before), _lines(after)
    rows: list[Row] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=left, b=right, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [
                Row("same", left[i], right[j], i + 1, j + 1)
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            i, j = i1 + k, j1 + k
            has_left, has_right = i < i2, j < j2
            kind: Kind = "changed" if has_left and has_right else ("removed" if has_left else "added")
            rows.append(
                Row(
                    kind,
                    left[i] if has_left else None,
                    right[j] if has_right else None,
                    i + 1 if has_left else None,
                    j + 1 if has_right else None,
                )
            )
    return rows


def folded(rows: list[Row], context: int = 3) -> list[Row]:
    """Unchanged lines more than `context` away from a change become one "skipped" row."""
    near = [False] * len(rows)
    for index, row in enumerate(rows):
        if row.kind != "same":
            for k in range(max(0, index - context), min(len(rows), index + context + 1)):
                near[k] = True
    out: list[Row] = []
    run = 0
    for index, row in enumerate(rows):
        if near[index]:
            if run:
                out.append(Row("skipped", None, None, None, None, run))
                run = 0
            out.append(row)
        else:
            run += 1
    if run:
        out.append(Row("skipped", None, None, None, None, run))
    return out
