"""Where a deployed stage gets its parts: a factory named by an environment variable.

`SCHEMALINE_PIPELINE_DEPS=package.module:factory` names a callable returning an async context
manager that yields `StageDeps` (open the S3 client, the bus, the registry client; close them on
exit). Pipelines depend only on contracts and the SDK, so the factory that wires the runtime's
adapters lives with the deployment; tests and the runner's callers pass `StageDeps` directly.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager

from schemaline.pipelines.deps import StageDeps

DEPS_ENV = "SCHEMALINE_PIPELINE_DEPS"

DepsFactory = Callable[[], AbstractAsyncContextManager[StageDeps]]


class WiringError(RuntimeError):
    """The environment does not say (or says wrongly) how to build the stage's parts."""


def factory_from_env(environ: Mapping[str, str] | None = None) -> DepsFactory:
    env = os.environ if environ is None else environ
    spec = env.get(DEPS_ENV, "")
    module_name, colon, attribute = spec.partition(":")
    if not (module_name and colon and attribute):
        raise WiringError(f"set {DEPS_ENV}=package.module:factory (got {spec!r})")
    try:
        factory: DepsFactory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise WiringError(f"{DEPS_ENV}={spec!r}: {exc}") from exc
    return factory
