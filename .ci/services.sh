#!/usr/bin/env bash
# CI: Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432 with a database `test` that
# user postgres reaches over TCP without a password (what test/helpers expect:
# postgres://postgres@127.0.0.1:5432/test). Works on a stock Debian machine:
#   - installs redis-server / postgresql with apt-get when missing, starts them when down;
#   - Debian's PostgreSQL asks for a password on TCP (scram-sha-256), so this adds, once, a
#     trust rule for user postgres from the loopback addresses only, at the top of
#     pg_hba.conf, and reloads; it talks to PostgreSQL as the postgres OS user over the
#     unix socket (peer authentication) to do so and to create the database;
#   - idempotent; when everything already answers it only checks (well under a second).
set -euo pipefail

log() { printf '[ci/services] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

# Another port/cluster only to try this script against a fresh cluster beside the real one.
PG_PORT=${CI_PG_PORT:-5432}
PG_CLUSTER=${CI_PG_CLUSTER:-main}
HBA_MARK='# autograder CI: the tests connect as postgres from loopback without a password'

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
# -w: never prompt; fails if a password is asked for.
postgres_ready() { psql -w -h 127.0.0.1 -p "$PG_PORT" -U postgres -d test -tAc 'SELECT 1' 2>/dev/null | grep -q 1; }

if redis_up && command -v psql >/dev/null && postgres_ready; then
  echo "redis and postgresql are up"
  exit 0
fi

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  as_root apt-get update -qq
  # policy-rc.d-less containers: the packages' own start attempts may fail; we start them below.
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" </dev/null >/dev/null
fi

if ! redis_up; then
  log "starting redis-server"
  as_root mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi

# The newest installed PostgreSQL; a cluster `main` on port 5432 (apt creates one; made if not).
version=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1, $2}' | grep -qx "$version $PG_CLUSTER"; then
  log "creating PostgreSQL $version cluster $PG_CLUSTER"
  as_root pg_createcluster --port "$PG_PORT" "$version" "$PG_CLUSTER" >/dev/null
fi
if ! pg_isready -h 127.0.0.1 -p "$PG_PORT" -q 2>/dev/null; then
  log "starting PostgreSQL $version $PG_CLUSTER"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$PG_CLUSTER" start
fi
for _ in $(seq 1 60); do
  pg_isready -h 127.0.0.1 -p "$PG_PORT" -q 2>/dev/null && break
  sleep 0.5
done
pg_isready -h 127.0.0.1 -p "$PG_PORT" -q || { log "PostgreSQL did not come up"; exit 1; }

hba=$(as_postgres psql -w -p "$PG_PORT" -tAc 'SHOW hba_file')
if ! as_root grep -qF "$HBA_MARK" "$hba"; then
  log "pg_hba.conf: trust user postgres from 127.0.0.1 and ::1 ($hba)"
  tmp=$(mktemp)
  { printf '%s\n' "$HBA_MARK" \
      'host all postgres 127.0.0.1/32 trust' \
      'host all postgres ::1/128 trust'
    as_root cat "$hba"; } >"$tmp"
  as_root install -o postgres -g postgres -m 0640 "$tmp" "$hba"
  rm -f "$tmp"
  as_postgres psql -w -p "$PG_PORT" -qtAc 'SELECT pg_reload_conf()' >/dev/null
fi

as_postgres psql -w -p "$PG_PORT" -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 \
  || as_postgres psql -w -p "$PG_PORT" -qc 'CREATE DATABASE test'

for _ in $(seq 1 30); do
  if redis_up && postgres_ready; then
    echo "redis and postgresql are up"
    exit 0
  fi
  sleep 1
done
redis_up || log "redis does not answer on 127.0.0.1:6379"
postgres_ready || log "postgres@127.0.0.1:$PG_PORT/test does not let the tests in"
exit 1
