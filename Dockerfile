# syntax=docker/dockerfile:1
# One image for every Schemaline service; the container's command picks the service:
#   python -m schemaline.registry | validator | drift_detector | lineage_writer | governance | console
# Build: docker build -t schemaline:$(git rev-parse --short HEAD) .
#    or, with no registry to pull from: deploy/images/build.sh (podman, a debootstrapped Debian base).
# BASE is a Python 3.11 image on Debian bookworm (pin it by digest too where your policy asks), or
# plain Debian bookworm: then the base stage takes Python 3.11 from Debian's packages (docs/deploy.md).
ARG BASE=python:3.11.11-slim-bookworm

# ---- base: Python 3.11 and the service user; both stages start here, so the venv's interpreter
# path is the same at build and at run time ----
FROM ${BASE} AS base
SHELL ["/bin/bash", "-o", "errexit", "-o", "nounset", "-o", "pipefail", "-c"]
# The python image carries CPython in /usr/local; plain Debian has none until python3.11 is installed.
RUN if ! command -v python3.11 >/dev/null; then \
      apt-get update \
      && apt-get install --yes --no-install-recommends python3.11 ca-certificates \
      && apt-get clean && rm -rf /var/lib/apt/lists/*; \
    fi \
 && groupadd --system --gid 10001 schemaline \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin schemaline

# ---- build: hash-checked tools and third-party packages, then the workspace from this context only ----
FROM base AS build
# Debian ships venv's pip bootstrap apart (python3.11-venv); the python image has it built in.
RUN if ! python3.11 -c 'import ensurepip' 2>/dev/null; then \
      apt-get update \
      && apt-get install --yes --no-install-recommends python3.11-venv \
      && apt-get clean && rm -rf /var/lib/apt/lists/*; \
    fi
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_NO_CACHE=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never
WORKDIR /src
# Both files come from `make lock` (uv export --hashes): every package pinned with its hashes, no address.
COPY deploy/images/build-tools.txt deploy/images/requirements.txt ./
# Its own layer, before any source is copied: rebuilt when a lock changes, not when the code does.
# The optional build secret `ca-bundle` is a CA bundle to trust, for a network that re-signs TLS.
RUN --mount=type=secret,id=ca-bundle \
    if [ -s /run/secrets/ca-bundle ]; then \
      export PIP_CERT=/run/secrets/ca-bundle SSL_CERT_FILE=/run/secrets/ca-bundle; \
    fi \
 && python3.11 -m venv /opt/tools \
 && /opt/tools/bin/pip install --quiet --require-hashes --no-deps -r build-tools.txt \
 && /opt/tools/bin/uv venv --quiet --python "$(command -v python3.11)" /opt/schemaline \
 && /opt/tools/bin/uv pip install --quiet --python /opt/schemaline/bin/python --require-hashes \
      -r requirements.txt
COPY shared/ shared/
COPY services/ services/
COPY cli/ cli/
COPY pipelines/ pipelines/
COPY deploy/wiring/ deploy/wiring/
# The workspace packages (the uv workspace's members) are built into wheels from these folders and
# installed with no index at all, so nothing published under a schemaline-* name can stand in for
# one; `pip check` then fails the build when a package needs one that was not copied.
RUN for package in ./shared/*/ ./services/*/ ./cli/ ./pipelines/ ./deploy/wiring/; do \
      /opt/tools/bin/uv build --quiet --wheel --no-index --no-build-isolation \
        --python /opt/tools/bin/python --out-dir /tmp/wheels "$package"; \
    done \
 && /opt/tools/bin/uv pip install --quiet --python /opt/schemaline/bin/python --no-index --no-deps \
      /tmp/wheels/*.whl \
 && /opt/tools/bin/uv pip check --python /opt/schemaline/bin/python

# ---- runtime: the base plus the virtualenv; no tools, no sources, a non-root user ----
FROM base AS runtime
COPY --from=build /opt/schemaline /opt/schemaline
ENV PATH=/opt/schemaline/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /tmp
# Numeric, so Kubernetes can check runAsNonRoot against the image.
USER 10001:10001
EXPOSE 8081 8085 8086 8087 8088 8089 8090
CMD ["python", "-m", "schemaline.cli", "--help"]
