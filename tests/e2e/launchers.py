"""How the process stack starts a service: as a local process, or as a container of the image.

`SCHEMALINE_E2E_IMAGE=<image>` (set by deploy/images/test.sh) runs every service with `podman run`
from that image instead of `python -m` here, so the same scenarios prove the image.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Protocol

IMAGE_ENV = "SCHEMALINE_E2E_IMAGE"


class Launcher(Protocol):
    def start(
        self, service: str, env: Mapping[str, str], log: IO[bytes], *args: str
    ) -> subprocess.Popen[bytes]:
        """Start `python -m schemaline.<service> [args]` with `env`; SIGTERM to the process stops it."""
        ...

    def close(self) -> None:
        """Remove whatever a stop that timed out left behind."""
        ...


class ProcessLauncher:
    """The service as a child process of this interpreter, with this environment plus `env`."""

    def start(
        self, service: str, env: Mapping[str, str], log: IO[bytes], *args: str
    ) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", f"schemaline.{service}", *args],
            env=os.environ | dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def close(self) -> None:
        return None


class PodmanLauncher:
    """The service as a container on the host network, locked down as the k8s manifests run it.

    `podman run` stays in the foreground and forwards signals, so its process stands for the
    service. `workdir` is mounted at the same path (the jsonl span exporter writes there).
    """

    def __init__(self, image: str, workdir: Path) -> None:
        self.image = image
        self.workdir = workdir
        self.names: list[str] = []
        # The image runs as uid 10001: it must be able to write the spans file the test reads.
        workdir.chmod(0o777)

    def start(
        self, service: str, env: Mapping[str, str], log: IO[bytes], *args: str
    ) -> subprocess.Popen[bytes]:
        name = f"schemaline-e2e-{uuid.uuid4().hex[:8]}-{service.replace('_', '-')}"
        self.names.append(name)
        command = ["podman", "run", "--rm", "--pull", "never", "--name", name, "--network", "host"]
        # What deploy/k8s asks of the pod: read-only root (podman mounts a tmpfs on /tmp), no
        # capabilities, no privilege escalation.
        command += ["--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
        command += ["--volume", f"{self.workdir}:{self.workdir}"]
        for key, value in env.items():
            command += ["--env", f"{key}={value}"]
        command += [self.image, "python", "-m", f"schemaline.{service}", *args]
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)

    def close(self) -> None:
        if self.names:
            subprocess.run(
                ["podman", "rm", "--force", "--ignore", "--time", "5", *self.names],
                check=False,
                capture_output=True,
            )


def launcher_for(workdir: Path) -> Launcher:
    image = os.environ.get(IMAGE_ENV)
    return PodmanLauncher(image, workdir) if image else ProcessLauncher()
