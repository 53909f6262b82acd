#!/usr/bin/env bash
# PostgreSQL and Redis for dev, tests and benchmarks.
#
#   scripts/services.sh start    reuse what answers on 127.0.0.1:5432 / :6379, otherwise install
#                                (apt-get) and start it; then create the project's databases
#   scripts/services.sh status   say what answers
#   scripts/services.sh stop     stop what this script started (a server it found running is left alone)
#   scripts/services.sh pgbouncer start|status|stop
#                                PgBouncer in transaction mode on 127.0.0.1:6432 (PGBOUNCER_PORT), in
#                                front of the PostgreSQL above: what Supabase's pooler and RDS Proxy
#                                are to the service (ingress.postgres.pooled=true)
#   scripts/services.sh cluster start|status|stop
#                                a private Redis Cluster for the scale-out tests and the failover
#                                script: 3 masters with one replica each on 127.0.0.1:7101-7106
#                                (CLUSTER_BASE_PORT moves them); standalone Redis is left alone
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
  [ ! -f "$STATE_DIR/pgbouncer.started" ] || pgbouncer_stop
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

# --- PgBouncer (transaction mode) -----------------------------------------------------------------
PGBOUNCER_PORT=${PGBOUNCER_PORT:-6432}
# PgBouncer refuses to run as root: as root it runs as the postgres user, from a folder that user owns.
PGBOUNCER_DIR=${PGBOUNCER_DIR:-/var/tmp/clinic-ingress-pgbouncer}

pgbouncer_start() {
  if port_open "$PGBOUNCER_PORT"; then
    log "PgBouncer answers on 127.0.0.1:$PGBOUNCER_PORT: reusing it"
    return
  fi
  command -v pgbouncer >/dev/null 2>&1 || apt_install pgbouncer
  mkdir -p "$PGBOUNCER_DIR"
  # Debian's defaults otherwise: no ignore_startup_parameters, so a client that sends
  # statement_timeout or plan_cache_mode is refused at connect, exactly as Supavisor and RDS Proxy do.
  cat > "$PGBOUNCER_DIR/pgbouncer.ini" <<INI
[databases]
* = host=$PG_HOST port=$PG_PORT
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGBOUNCER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $PGBOUNCER_DIR/userlist.txt
pool_mode = transaction
max_client_conn = 2000
default_pool_size = 20
logfile = $PGBOUNCER_DIR/pgbouncer.log
pidfile = $PGBOUNCER_DIR/pgbouncer.pid
admin_users = postgres
INI
  # trust: every user must still be listed (an unlisted one is refused with '"trust" authentication
  # failed'); the password is the one PostgreSQL gets. postgres, and the roles scripts/db-roles.sh
  # creates by default (PGBOUNCER_USERS="role:password ..." to list others).
  : > "$PGBOUNCER_DIR/userlist.txt"
  for entry in ${PGBOUNCER_USERS:-postgres:$PGPASSWORD clinic_ingress_owner:${OWNER_PASSWORD:-} clinic_ingress_app:${APP_PASSWORD:-}}; do
    printf '"%s" "%s"\n' "${entry%%:*}" "${entry#*:}" >> "$PGBOUNCER_DIR/userlist.txt"
  done
  log "starting PgBouncer (transaction mode) on 127.0.0.1:$PGBOUNCER_PORT"
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres "$PGBOUNCER_DIR"
    su postgres -s /bin/sh -c "pgbouncer -d -q '$PGBOUNCER_DIR/pgbouncer.ini'"
  else
    pgbouncer -d -q "$PGBOUNCER_DIR/pgbouncer.ini"
  fi
  mkdir -p "$STATE_DIR" && touch "$STATE_DIR/pgbouncer.started"
  for _ in $(seq 1 40); do port_open "$PGBOUNCER_PORT" && break; sleep 0.25; done
  port_open "$PGBOUNCER_PORT" || { log "PgBouncer did not start (see $PGBOUNCER_DIR/pgbouncer.log)"; exit 1; }
}

pgbouncer_stop() {
  if [ -f "$STATE_DIR/pgbouncer.started" ] && [ -f "$PGBOUNCER_DIR/pgbouncer.pid" ]; then
    kill "$(cat "$PGBOUNCER_DIR/pgbouncer.pid")" 2>/dev/null || true
  fi
  rm -f "$STATE_DIR/pgbouncer.started"
  log "PgBouncer stopped (if this script had started it)"
}

# --- Redis Cluster ---------------------------------------------------------------------------------
CLUSTER_BASE_PORT=${CLUSTER_BASE_PORT:-7101}
CLUSTER_PORTS=($(seq "$CLUSTER_BASE_PORT" $((CLUSTER_BASE_PORT + 5))))
CLUSTER_DIR="$STATE_DIR/redis-cluster"

cluster_info() { redis-cli -p "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"; }

cluster_ok() {
  for port in "${CLUSTER_PORTS[@]}"; do
    [ "$(cluster_info "$port" cluster_state)" = ok ] || return 1
    [ "$(cluster_info "$port" cluster_known_nodes)" = 6 ] || return 1
  done
}

start_cluster_node() {
  local port=$1
  mkdir -p "$CLUSTER_DIR/$port"
  # AOF: the turn stream lives here too, and a restarted node must not come back empty-handed.
  # cluster-node-timeout 2000: a dead master is replaced in about 2-4 s (the default is 15 s).
  # replica-validity-factor 0: a replica may always take over, however long its link was down.
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --dir "$CLUSTER_DIR/$port" \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
    --cluster-replica-validity-factor 0 --appendonly yes --appendfsync everysec --save "" \
    --logfile "$CLUSTER_DIR/$port/redis.log" --pidfile "$CLUSTER_DIR/$port/redis.pid"
}

cluster_start() {
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  command -v redis-cli >/dev/null 2>&1 || apt_install redis-tools
  local version
  version=$(redis-server --version | sed -n 's/.*v=\([0-9]*\)\..*/\1/p')
  [ "${version:-0}" -ge 7 ] || log "Redis $version: sharded pub/sub needs 7; the service falls back to classic pub/sub"
  if cluster_ok; then
    log "Redis Cluster answers on 127.0.0.1:${CLUSTER_PORTS[0]}-${CLUSTER_PORTS[5]}: reusing it"
    return
  fi
  for port in "${CLUSTER_PORTS[@]}"; do
    port_open "$port" || start_cluster_node "$port"
  done
  for port in "${CLUSTER_PORTS[@]}"; do
    for _ in $(seq 1 40); do port_open "$port" && break; sleep 0.25; done
    port_open "$port" || { log "cluster node $port did not start (see $CLUSTER_DIR/$port/redis.log)"; exit 1; }
  done
  if [ "$(cluster_info "${CLUSTER_PORTS[0]}" cluster_known_nodes)" != 6 ]; then
    log "creating the cluster: 3 masters, one replica each"
    local nodes=()
    for port in "${CLUSTER_PORTS[@]}"; do nodes+=("127.0.0.1:$port"); done
    local created
    created=$(redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes 2>&1) \
      || { log "redis-cli --cluster create failed:"; printf '%s\n' "$created" >&2; exit 1; }
  fi
  for _ in $(seq 1 120); do cluster_ok && break; sleep 0.25; done
  cluster_ok || { log "Redis Cluster did not reach state ok"; cluster_status; exit 1; }
  touch "$STATE_DIR/redis-cluster.started"
  log "Redis Cluster up on 127.0.0.1:${CLUSTER_PORTS[0]}-${CLUSTER_PORTS[5]}"
}

cluster_status() {
  if cluster_ok; then
    log "Redis Cluster: ok"
    redis-cli -p "${CLUSTER_PORTS[0]}" cluster nodes | awk '{print "[services]   " $2, $3}' | sed 's/@[0-9]*//' | sort >&2
  else
    log "Redis Cluster: down or degraded"
    for port in "${CLUSTER_PORTS[@]}"; do
      log "  $port: state=$(cluster_info "$port" cluster_state) known_nodes=$(cluster_info "$port" cluster_known_nodes)"
    done
  fi
}

cluster_stop() {
  for port in "${CLUSTER_PORTS[@]}"; do
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 \
      || { [ -f "$CLUSTER_DIR/$port/redis.pid" ] && kill "$(cat "$CLUSTER_DIR/$port/redis.pid")" 2>/dev/null; } || true
  done
  rm -f "$STATE_DIR/redis-cluster.started"
  # The cluster is the project's own: its state goes with it, so the next start creates it afresh.
  rm -rf "$CLUSTER_DIR"
  log "Redis Cluster stopped"
}

case "${1:-start}" in
  start) start_postgres; start_redis; status ;;
  status) status ;;
  stop) stop ;;
  pgbouncer)
    case "${2:-start}" in
      start) start_postgres; pgbouncer_start ;;
      status) port_open "$PGBOUNCER_PORT" && log "PgBouncer: up on 127.0.0.1:$PGBOUNCER_PORT" || log "PgBouncer: down" ;;
      stop) pgbouncer_stop ;;
      *) echo "usage: $0 pgbouncer start|status|stop" >&2; exit 2 ;;
    esac ;;
  cluster)
    case "${2:-start}" in
      start) cluster_start ;;
      status) cluster_status ;;
      stop) cluster_stop ;;
      *) echo "usage: $0 cluster start|status|stop" >&2; exit 2 ;;
    esac ;;
  *) echo "usage: $0 start|status|stop|pgbouncer start|status|stop|cluster start|status|stop" >&2; exit 2 ;;
esac
