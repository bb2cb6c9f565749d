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
    parser.add_argument(
        "--console",
        action="store_true",
        help="then serve the operator console on the demo's state until Ctrl-C (prints its URL and tokens)",
    )
    parser.add_argument("--console-host", default="127.0.0.1", help="address the console binds (--console)")
    parser.add_argument(
        "--console-port", type=int, default=8088, help="port the console binds (--console; 0: any free port)"
    )
    parser.set_defaults(run=_run)
