"""`python -m schemaline.validator`: run the validator until SIGTERM."""

from __future__ import annotations

import asyncio

from schemaline.runtime.service import serve_until_signalled, setup_process
from schemaline.validator.bootstrap import from_settings
from schemaline.validator.settings import ValidatorSettings


async def run(settings: ValidatorSettings) -> None:
    async with from_settings(settings) as service:
        await serve_until_signalled(service, settings.health)


def main() -> None:
    settings = ValidatorSettings()
    setup_process(settings)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
