"""`schemaline demo`'s arguments; the demo itself (`demo_cmd`) is imported only when it runs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from schemaline.cli._common import positive_int


def _run(args: argparse.Namespace) -> int:
    from schemaline.cli.demo_cmd import demo

    return demo(args)


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "demo", help="run the seed's Examples A and B on the embedded default (no server needed)"
    )
    parser.add_argument(
        "--workdir", type=Path, default=Path(".schemaline/demo"), help="where the demo keeps its state"
    )
    parser.add_argument("--records", type=positive_int, default=24, help="records per source batch (≥ 1)")
    parser.set_defaults(run=_run)
