"""`python -m schemaline.deploy.layer OUT.zip`: the extractor Lambda's validation layer.

The layer holds `python/` with the packages a deployed stage imports (contracts, the SDK with the
validation engine, the runtime's S3 and EventBridge adapters, the pipelines, this wiring) and their
dependencies at the versions `requirements.lock` pins, as binary wheels for the Lambda platform
(never the build machine's). Run from the repository root; uv does the resolving:

    python -m schemaline.deploy.layer dist/schemaline-validation-layer.zip --python-version 3.12

then upload it to the stack's ArtifactsBucketName under ValidationLayerKey.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

PACKAGES = ("shared/contracts", "shared/sdk", "shared/runtime", "pipelines", "deploy/wiring")
LAMBDA_LIMIT_BYTES = 250 * 1024 * 1024  # Lambda's limit on a function and its layers, unzipped


def _run(command: Sequence[str]) -> None:
    subprocess.run(list(command), check=True)


def build(
    out: Path,
    *,
    root: Path,
    uv: Sequence[str],
    python_version: str = "3.12",
    platform: str = "x86_64-manylinux_2_28",
    offline: bool = False,
) -> int:
    """Write the layer zip; return its unzipped size in bytes."""
    network = ["--offline"] if offline else []
    with tempfile.TemporaryDirectory() as scratch:
        wheels, target = Path(scratch) / "wheels", Path(scratch) / "layer" / "python"
        for package in PACKAGES:
            _run(
                [*uv, "build", *network, "--quiet", "--wheel", "--out-dir", str(wheels),
                 "--build-constraint", str(root / "deploy/images/build-tools.txt"), str(root / package)]
            )  # fmt: skip
        # The lock pins every third-party package; its editable workspace lines are not constraints.
        constraints = Path(scratch) / "constraints.txt"
        locked = (root / "requirements.lock").read_text().splitlines()
        constraints.write_text("\n".join(line for line in locked if not line.startswith("-e")) + "\n")
        _run(
            [*uv, "pip", "install", *network, "--quiet", "--target", str(target),
             "--python-version", python_version, "--python-platform", platform, "--only-binary", ":all:",
             "--constraints", str(constraints), *map(str, sorted(wheels.glob("*.whl")))]
        )  # fmt: skip
        size = 0
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(target.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    archive.write(path, path.relative_to(target.parent).as_posix())
                    size += path.stat().st_size
    if size > LAMBDA_LIMIT_BYTES:
        raise SystemExit(f"the layer is {size / 2**20:.0f} MiB unzipped: over Lambda's 250 MiB")
    return size


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m schemaline.deploy.layer", description=__doc__.split("\n")[0]
    )
    parser.add_argument("out", type=Path, help="the zip to write")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root (default: here)")
    parser.add_argument("--python-version", default="3.12", help="the function's runtime (3.11 or 3.12)")
    parser.add_argument("--platform", default="x86_64-manylinux_2_28", help="uv's --python-platform")
    parser.add_argument("--uv", default="uv", help="how to run uv, e.g. 'python3 -m uv'")
    parser.add_argument("--offline", action="store_true", help="only uv's cache, no package index")
    args = parser.parse_args(argv)
    size = build(
        args.out,
        root=args.root,
        uv=shlex.split(args.uv),
        python_version=args.python_version,
        platform=args.platform,
        offline=args.offline,
    )
    print(f"{args.out}: {size / 2**20:.0f} MiB unzipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
