#!/usr/bin/env bash
# What the rabbitmq image does with RABBITMQ_DEFAULT_USER/PASS: the node's default user.
set -euo pipefail
export RABBITMQ_CONFIG_FILE=/var/lib/rabbitmq/rabbitmq
printf 'default_user = %s\ndefault_pass = %s\nloopback_users = none\n' \
  "$RABBITMQ_DEFAULT_USER" "$RABBITMQ_DEFAULT_PASS" > "$RABBITMQ_CONFIG_FILE.conf"
exec rabbitmq-server
