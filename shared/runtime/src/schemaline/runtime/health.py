"""Liveness of a consumer process: a heartbeat file touched only while every consumer task runs.

The running service touches the file every `interval_s` seconds after checking its tasks; an exec
probe runs `python -m schemaline.runtime.health [--path P] [--max-age S]`, which exits 0 when the
file is fresh and 1, with a one-line reason, when it is missing or stale. A consumer task that
returned or crashed, or an event loop that is blocked, stops the touches, so the file goes stale
and the kubelet (or Docker) restarts the container.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import structlog

from schemaline.runtime.settings import HealthSettings

log = structlog.get_logger("schemaline.health")

Tasks = Callable[[], Iterable["asyncio.Task[Any]"]]


def task_problems(tasks: Iterable[asyncio.Task[Any]]) -> list[str]:
    """One line per task that is no longer running: returned, cancelled or crashed."""
    problems = []
    for task in tasks:
        if not task.done():
            continue
        if task.cancelled():
            problems.append(f"{task.get_name()}: cancelled")
        elif (exc := task.exception()) is not None:
            problems.append(f"{task.get_name()}: crashed: {type(exc).__name__}: {exc}")
        else:
            problems.append(f"{task.get_name()}: returned")
    return problems


class Heartbeat:
    """Touches `path` every `interval_s` seconds while `tasks()` are all still running."""

    def __init__(self, path: str | Path, interval_s: float, tasks: Tasks) -> None:
        self.path = Path(path)
        self.interval_s = interval_s
        self.tasks = tasks
        self._reported: list[str] = []

    def beat(self) -> bool:
        """Check the tasks; touch the file only if all run. True when touched."""
        problems = task_problems(self.tasks())
        if problems:
            if problems != self._reported:
                log.error("consumer not running, heartbeat withheld", problems=problems, path=str(self.path))
                self._reported = problems
            return False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.touch()
        except OSError as exc:
            log.error("heartbeat file not writable", path=str(self.path), reason=str(exc))
            return False
        return True

    def clear(self) -> None:
        """Remove the file: a previous run's heartbeat must not vouch for this one."""
        self.path.unlink(missing_ok=True)

    async def run(self) -> None:
        while True:
            self.beat()
            await asyncio.sleep(self.interval_s)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Heartbeat]:
        """Beat in a background task for the duration of the block; remove the file after it."""
        self.clear()
        task = asyncio.create_task(self.run(), name="heartbeat")
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self.clear()


def heartbeat_problem(path: str | Path, max_age_s: float, now: float | None = None) -> str | None:
    """Why the heartbeat file does not show a live process, or None when it is fresh."""
    try:
        modified = Path(path).stat().st_mtime
    except FileNotFoundError:
        return f"no heartbeat file at {path}"
    age = (time.time() if now is None else now) - modified
    if age > max_age_s:
        return f"heartbeat {path} is {age:.1f} s old (max {max_age_s:g} s)"
    return None


def parser() -> argparse.ArgumentParser:
    """The probe's arguments; their defaults are HealthSettings' defaults."""
    defaults = HealthSettings()
    parser = argparse.ArgumentParser(
        prog="python -m schemaline.runtime.health",
        description="Exit 0 when the service's heartbeat file is fresh, 1 when missing or stale.",
    )
    parser.add_argument("--path", default=defaults.heartbeat_path, help="heartbeat file")
    parser.add_argument("--max-age", type=float, default=defaults.max_age_s, help="seconds before stale")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    problem = heartbeat_problem(args.path, args.max_age)
    if problem is not None:
        print(f"unhealthy: {problem}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
