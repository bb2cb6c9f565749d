"""`python -m schemaline.registry`: the registry under uvicorn, configured from the environment."""

from __future__ import annotations

import uvicorn

from schemaline.registry.bootstrap import bootstrap
from schemaline.registry.settings import RegistrySettings
from schemaline.runtime.logging import configure_logging, get_logger
from schemaline.runtime.settings import masked
from schemaline.runtime.telemetry import console_exporter, get_tracer, setup_tracing


def main() -> None:
    settings = RegistrySettings()
    configure_logging(settings.log.level, json_logs=settings.log.json_logs)
    get_logger("schemaline.registry").info("starting", settings=masked(settings))
    exporter = console_exporter() if settings.telemetry.exporter == "console" else None
    tracer = get_tracer(setup_tracing(settings.service_name, exporter)) if exporter else None
    service = bootstrap(settings, tracer=tracer)
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
