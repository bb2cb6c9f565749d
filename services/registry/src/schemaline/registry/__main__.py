"""`python -m schemaline.registry`: the registry under uvicorn, configured from the environment."""

from __future__ import annotations

import uvicorn

from schemaline.registry.bootstrap import bootstrap
from schemaline.registry.settings import RegistrySettings
from schemaline.runtime.service import setup_process
from schemaline.runtime.telemetry import get_tracer


def main() -> None:
    settings = RegistrySettings()
    provider = setup_process(settings)
    service = bootstrap(settings, tracer=get_tracer(provider))
    # uvicorn handles SIGTERM/SIGINT and runs the app's lifespan (migrations, consumer, outbox relay).
    uvicorn.run(
        service.app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log.level.lower(),
        access_log=False,
        lifespan="on",
    )


if __name__ == "__main__":
    main()
