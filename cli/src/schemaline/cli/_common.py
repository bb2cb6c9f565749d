"""Helpers the lineage, ledger and governance commands share."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from schemaline.cli.errors import EXIT_BAD_INPUT, CliError


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, sort_keys=True, default=str))


def parse_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CliError(
            f"{text!r} is not an ISO-8601 time (e.g. 2025-10-07T06:00:00Z)", EXIT_BAD_INPUT
        ) from None
