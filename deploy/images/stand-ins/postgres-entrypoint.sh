#!/usr/bin/env bash
# What the postgres image's entrypoint does for docker-compose.yml: a cluster with POSTGRES_USER's
# password, POSTGRES_DB, and the init scripts run once, on an empty data folder.
set -euo pipefail
if [[ ! -s $PGDATA/PG_VERSION ]]; then
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  pg_ctl --wait --options="-c listen_addresses=''" start >/dev/null
  psql --quiet --set ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    --command "CREATE DATABASE \"$POSTGRES_DB\""
  for script in /docker-entrypoint-initdb.d/*.sql; do
    [[ -e $script ]] && psql --quiet --set ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" --file "$script"
  done
  pg_ctl --wait --mode=fast stop >/dev/null
fi
exec postgres -c listen_addresses='*' "$@"
