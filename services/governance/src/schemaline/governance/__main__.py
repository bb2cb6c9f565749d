"""`python -m schemaline.governance`: run the governance service until SIGTERM."""

from __future__ import annotations

import asyncio

from schemaline.governance.bootstrap import bootstrap
from schemaline.governance.settings import GovernanceSettings
from schemaline.runtime.service import serve_until_signalled, setup_process


def main() -> None:
    settings = GovernanceSettings()
    setup_process(settings)
    asyncio.run(serve_until_signalled(bootstrap(settings), settings.health))


if __name__ == "__main__":
    main()
