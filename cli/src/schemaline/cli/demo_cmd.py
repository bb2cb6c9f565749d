"""`schemaline demo`: the end-to-end examples on the embedded default."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "demo", help="run the seed's Examples A and B on the embedded default"
    )
    parser.set_defaults(run=_demo)


def _demo(args: argparse.Namespace) -> int:
    print(
        "schemaline demo: the end-to-end examples land with the pipelines issue; "
        "until then, try `schemaline contracts export docs/events`."
    )
    return 0
