"""`python -m schemaline.validator`: run the validator until SIGTERM."""

from __future__ import annotations

import asyncio

from schemaline.runtime.service import serve_until_signalled, setup_process
from schemaline.validator.bootstrap import bootstrap
from schemaline.validator.settings import ValidatorSettings


def main() -> None:
    settings = ValidatorSettings()
    setup_process(settings)
    service, _deps = bootstrap(settings)
    asyncio.run(serve_until_signalled(service))


if __name__ == "__main__":
    main()
