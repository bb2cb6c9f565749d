"""`python -m schemaline.drift_detector`: run the drift detector until SIGTERM."""

from __future__ import annotations

import asyncio

from schemaline.drift_detector.bootstrap import from_settings
from schemaline.drift_detector.settings import DriftSettings
from schemaline.runtime.service import serve_until_signalled, setup_process


async def run(settings: DriftSettings) -> None:
    async with from_settings(settings) as service:
        await serve_until_signalled(service, settings.health)


def main() -> None:
    settings = DriftSettings()
    setup_process(settings)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
