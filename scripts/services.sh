#!/usr/bin/env bash
# PostgreSQL and Redis for dev, tests and benchmarks.
#
#   scripts/services.sh start    reuse what answers on 127.0.0.1:5432 / :6379, otherwise install
#                                (apt-get) and start it; then create the project's databases
#   scripts/services.sh status   say what answers
#   scripts/services.sh stop     stop what this script started (a server it found running is left alone)
#
# Idempotent. Only the project's own databases are created; no other database or Redis DB is touched.
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
REDIS_PORT=6379
DATABASES=(clinic_ingress clinic_ingress_test clinic_ingress_bench)
STATE_DIR=${XDG_STATE_HOME:-$HOME/.local/state}/clinic-ingress
# Dev and test connect as postgres/postgres: a trust-auth server ignores the password, a fresh
# Debian install (scram for TCP) checks it, so both work without editing pg_hba.conf.
export PGPASSWORD=${PGPASSWORD:-postgres}

log() { printf '[services] %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1; }

start_postgres() {
  if port_open "$PG_PORT"; then
    log "PostgreSQL answers on $PG_HOST:$PG_PORT: reusing it"
  else
    command -v pg_ctlcluster >/dev/null 2>&1 && [ -n "$(pg_version)" ] || apt_install postgresql postgresql-client
    local version
    version=$(pg_version)
    [ -d "/etc/postgresql/$version/main" ] || pg_createcluster "$version" main >/dev/null
    log "starting PostgreSQL $version"
    # pg_ctlcluster runs the server as the postgres user (initdb and postgres refuse root).
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    mkdir -p "$STATE_DIR" && echo "$version" > "$STATE_DIR/postgres.started"
    for _ in $(seq 1 60); do port_open "$PG_PORT" && break; sleep 0.5; done
    port_open "$PG_PORT" || { log "PostgreSQL did not start"; exit 1; }
  fi
  command -v psql >/dev/null 2>&1 || apt_install postgresql-client
  # A fresh install has no password for postgres; set one so TCP logins work under scram too.
  if ! psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
    su postgres -c "psql -qc \"ALTER USER postgres PASSWORD '$PGPASSWORD'\"" >/dev/null
  fi
  for db in "${DATABASES[@]}"; do
    if [ -z "$(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
      log "creating database $db"
      psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -qc "CREATE DATABASE $db" >/dev/null
    fi
  done
}

start_redis() {
  if port_open "$REDIS_PORT"; then
    log "Redis answers on 127.0.0.1:$REDIS_PORT: reusing it"
    return
  fi
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  log "starting Redis (no persistence: it holds caches and a stream that PostgreSQL backs)"
  mkdir -p /var/lib/redis /var/log/redis "$STATE_DIR"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/clinic-ingress.log
  touch "$STATE_DIR/redis.started"
  for _ in $(seq 1 40); do port_open "$REDIS_PORT" && break; sleep 0.25; done
  port_open "$REDIS_PORT" || { log "Redis did not start"; exit 1; }
}

status() {
  port_open "$PG_PORT" && log "PostgreSQL: up on $PG_HOST:$PG_PORT" || log "PostgreSQL: down"
  port_open "$REDIS_PORT" && log "Redis: up on 127.0.0.1:$REDIS_PORT" || log "Redis: down"
}

stop() {
  if [ -f "$STATE_DIR/postgres.started" ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(cat "$STATE_DIR/postgres.started")" main stop || true
    rm -f "$STATE_DIR/postgres.started"
  fi
  if [ -f "$STATE_DIR/redis.started" ]; then
    command -v redis-cli >/dev/null 2>&1 && redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    rm -f "$STATE_DIR/redis.started"
  fi
  status
}

case "${1:-start}" in
  start) start_postgres; start_redis; status ;;
  status) status ;;
  stop) stop ;;
  *) echo "usage: $0 start|status|stop" >&2; exit 2 ;;
esac
