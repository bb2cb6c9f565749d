#!/usr/bin/env bash
# Build the Schemaline image with podman, here or on any machine with no container registry in reach.
#
#   deploy/images/build.sh [IMAGE]        # default IMAGE: schemaline:local
#
# BASE (environment): the base image. Unset, a Debian bookworm base is made once with debootstrap
# (localhost/debian-bookworm:base) and the Dockerfile adds Debian's Python 3.11 to it; set
# BASE=python:3.11.11-slim-bookworm where a registry is reachable. Prints the build time and size.
set -euo pipefail
cd "$(dirname "$0")/../.."
IMAGE=${1:-schemaline:local}
LOCAL_BASE=localhost/debian-bookworm:base
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/deploy/images/containers.conf}

if ! command -v podman >/dev/null || ! command -v debootstrap >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman buildah runc debootstrap >/dev/null
fi

# The Debian mirror this machine's apt already uses (never written into the repository).
debian_mirror() {
  if [[ -n ${DEBIAN_MIRROR:-} ]]; then echo "$DEBIAN_MIRROR"; return; fi
  local uri
  uri=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [[ -n $uri ]] || uri=$(awk '/^deb / && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [[ -n $uri ]] || { echo "no Debian mirror found in apt's sources: set DEBIAN_MIRROR" >&2; return 1; }
  echo "$uri"
}

if [[ -z ${BASE:-} ]]; then
  BASE=$LOCAL_BASE
  if ! podman image exists "$BASE"; then
    rootfs=$(mktemp -d)
    trap 'rm -rf "$rootfs"' EXIT
    echo "== base: debootstrap --variant=minbase bookworm"
    debootstrap --variant=minbase bookworm "$rootfs" "$(debian_mirror)" >/dev/null
    # debootstrap keeps the packages it fetched; an image has no use for them.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | podman import --quiet - "$BASE" >/dev/null
  fi
fi

build=(podman build --network host --build-arg "BASE=$BASE" --tag "$IMAGE")
# podman writes OCI images by default, and OCI ignores SHELL: the RUNs would lose pipefail.
build+=(--format docker)
# A network that re-signs TLS needs its CA inside the build: pass this machine's bundle when it has one.
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
[[ -s $CA_BUNDLE ]] && build+=(--secret "id=ca-bundle,src=$CA_BUNDLE")

start=$(date +%s)
"${build[@]}" . >&2
echo "built $IMAGE from $BASE in $(($(date +%s) - start)) s;" \
  "size $(podman image inspect "$IMAGE" --format '{{.Size}}' | awk '{printf "%.0f MB", $1 / 1e6}')"
