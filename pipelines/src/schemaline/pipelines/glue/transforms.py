"""What a job does to records, in the two shapes a partitioned engine can run: map and fold.

Both are plain module-level functions, so Spark can ship them to its executors by reference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class MapStage:
    """Each record becomes one record (raw copies, gdp curates); runs inside every partition."""

    apply: Callable[[Any], Any]

    def __call__(self, records: Iterable[Any]) -> list[Any]:
        return [self.apply(record) for record in records]


@dataclass(frozen=True, slots=True)
class FoldStage:
    """Records fold into a partial result per partition (`add` to `empty()`); the partials are
    merged into the output rows once every partition is done (kpi)."""

    empty: Callable[[], Any]
    add: Callable[[Any, Any], None]
    rows: Callable[[list[Any]], list[Any]]

    def __call__(self, records: Iterable[Any]) -> list[Any]:
        partial = self.empty()
        for record in records:
            self.add(partial, record)
        return self.rows([partial])


StageTransform = MapStage | FoldStage
