# syntax=docker/dockerfile:1
# One image for every Schemaline service; the container's command picks the service:
#   python -m schemaline.registry | validator | drift_detector | lineage_writer | governance
# Build: docker build -t schemaline:$(git rev-parse --short HEAD) .
# The base images are pinned by version tag; pin them by digest too where your registry policy asks.
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

FROM ${UV_IMAGE} AS uv

# ---- build: resolve nothing, install the pins of requirements.lock into a virtualenv ----
FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_NO_CACHE=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never
WORKDIR /src
COPY requirements.lock deploy/build-constraints.txt ./
# requirements.lock pins every third-party package (dev tools included); as constraints it fixes the
# version of whatever the runtime packages pull in, while pytest, mypy, moto... stay out of the image.
RUN grep -v '^-e ' requirements.lock > constraints.txt \
 && sed 's/ *;.*//' constraints.txt > pinned.txt \
 && uv venv --python /usr/local/bin/python3 /opt/schemaline
COPY shared/ shared/
COPY services/ services/
COPY cli/ cli/
# --no-sources: regular (non-editable) installs of the workspace packages given here by path;
# then fail the build if anything installed is not pinned by requirements.lock.
RUN uv pip install --python /opt/schemaline/bin/python --no-sources \
      --constraints constraints.txt --build-constraints build-constraints.txt \
      ./shared/contracts ./shared/sdk ./shared/runtime \
      ./services/registry ./services/validator ./services/drift_detector \
      ./services/lineage_writer ./services/governance ./services/console ./cli \
 && uv pip freeze --python /opt/schemaline/bin/python | grep -v '^schemaline-' > installed.txt \
 && if grep -vxiFf pinned.txt installed.txt; then echo "unpinned packages above" >&2; exit 1; fi

# ---- runtime: the virtualenv on the same slim base, no build tools, a non-root user ----
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 schemaline \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin schemaline
COPY --from=build /opt/schemaline /opt/schemaline
ENV PATH=/opt/schemaline/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /tmp
# Numeric, so Kubernetes can check runAsNonRoot against the image.
USER 10001:10001
EXPOSE 8081 8087
CMD ["python", "-m", "schemaline.cli", "--help"]
