#!/usr/bin/env bash
# Install Prometheus's promtool when it is missing (the alerting rules' tests run it). Debian ships it
# only in the server's package (about 12 s); the server itself is never started: a policy-rc.d that
# refuses every service start stands for the install when the machine has none.
set -euo pipefail
command -v promtool >/dev/null 2>&1 && exit 0
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
command -v promtool >/dev/null
