"""The validation layer artefact: built the way a release builds it (wheels of the workspace
packages plus their locked dependencies as binary wheels for the Lambda platform), within Lambda's
size limit, and enough on its own for the extractor's handler and the production wiring to import.

Built here for this interpreter's Python (3.11: a runtime the function may use) from uv's cache, so
the test needs no package index; a release builds for python3.12 with the index.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from schemaline.deploy.layer import LAMBDA_LIMIT_BYTES, build

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_the_layer_builds_within_limits_and_serves_the_handler_alone(tmp_path: Path) -> None:
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    out = tmp_path / "layer.zip"
    size = build(out, root=ROOT, uv=["python3", "-m", "uv"], python_version=version, offline=True)
    assert 0 < size <= LAMBDA_LIMIT_BYTES
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert all(name.startswith("python/") for name in names), "Lambda adds /opt/python to the path"
        archive.extractall(tmp_path / "opt")
    assert "python/schemaline/pipelines/_seed/schemas/finance.gdp.invoice.v1.1.json" in names
    # -S: no site-packages, only the standard library and the layer, as on Lambda.
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from schemaline.pipelines.extractor.handler import handler;"
        "from schemaline.deploy.wiring import pipeline_deps;"
        "from schemaline.pipelines.seed import seed_schemas;"
        "import jsonschema_rs, aiobotocore;"
        "print(callable(handler), callable(pipeline_deps), len(seed_schemas()))"
    )
    done = subprocess.run(
        [sys.executable, "-S", "-c", probe, str(tmp_path / "opt" / "python")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:2] == ["True", "True"]
