"""`python -m schemaline.drift_detector`: run the drift detector until SIGTERM."""

from __future__ import annotations

import asyncio

from schemaline.drift_detector.bootstrap import bootstrap
from schemaline.drift_detector.settings import DriftSettings
from schemaline.runtime.service import serve_until_signalled, setup_process


def main() -> None:
    settings = DriftSettings()
    setup_process(settings)
    service, _deps = bootstrap(settings)
    asyncio.run(serve_until_signalled(service))


if __name__ == "__main__":
    main()
