"""The Lambda's parts, built once per execution environment on first use, never at import.

Tests (and any embedding caller) inject them with `configure(deps, settings)`; otherwise the
first invocation reads `ExtractorSettings.from_env()` and opens the parts with the factory named
by `SCHEMALINE_PIPELINE_DEPS` (see `schemaline.pipelines.wiring`). They stay open on one event
loop kept for the life of the environment, so warm invocations reuse connections.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from schemaline.pipelines.deps import StageDeps
from schemaline.pipelines.extractor.settings import ExtractorSettings
from schemaline.pipelines.wiring import factory_from_env


@dataclass
class _State:
    deps: StageDeps | None = None
    settings: ExtractorSettings | None = None
    loop: asyncio.AbstractEventLoop | None = None
    stack: contextlib.AsyncExitStack | None = None


_state = _State()


def configure(deps: StageDeps | None = None, settings: ExtractorSettings | None = None) -> None:
    """Use these parts (and settings) instead of building them from the environment."""
    _state.deps = deps
    _state.settings = settings


def reset() -> None:
    """Close what the environment's factory opened and forget every part."""
    if _state.stack is not None and _state.loop is not None:
        _state.loop.run_until_complete(_state.stack.aclose())
    if _state.loop is not None:
        _state.loop.close()
    _state.deps = _state.settings = _state.loop = _state.stack = None


def loop() -> asyncio.AbstractEventLoop:
    """The loop every invocation of this environment runs on."""
    if _state.loop is None or _state.loop.is_closed():
        _state.loop = asyncio.new_event_loop()
    return _state.loop


async def current() -> tuple[StageDeps, ExtractorSettings]:
    if _state.settings is None:
        _state.settings = ExtractorSettings.from_env()
    if _state.deps is None:
        stack = contextlib.AsyncExitStack()
        _state.deps = await stack.enter_async_context(factory_from_env()())
        _state.stack = stack
    return _state.deps, _state.settings
