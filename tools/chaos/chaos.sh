#!/usr/bin/env bash
# Chaos run (issue 12): two replicas of the packaged service under a steady open-model load while
# faults are injected one after another, then a check that nothing acknowledged was lost.
#
#   tools/chaos/chaos.sh            about 8 minutes; prints the table docs/failure-modes.md shows, exits 1 if an
#                               acknowledged message is missing from PostgreSQL, the stream or mem0
#   tools/chaos/chaos.sh cluster    about 4 minutes; the same against a private Redis Cluster (3 masters, one
#                               replica each, ports 27101-27106) with the turns in 6 partitions: a master
#                               is killed (its replica takes over), comes back as a replica, then another
#                               master is killed; table in docs/scaling.md
#
# Everything it breaks is its own: a private PostgreSQL cluster (port 55432, target/chaos/pg), a
# private Redis (56379, AOF with fsync always: a Redis that holds the turn stream must persist it),
# the bench mem0 STAND-IN (58091, not mem0) and two replicas (18081/18082, management 19081/19082).
# The machine's PostgreSQL and Redis are never touched.
#
# Faults, 10 s each, 20 s apart: PostgreSQL stopped, PostgreSQL paused (SIGSTOP), Redis killed,
# Redis paused, mem0 slow (5 s), mem0 500, mem0 429, a replica killed (kill -9) and restarted, one of
# the two replicas killed for good. The load (200 msg/s, scripts via bench.ChaosLoad) behaves like a
# load balancer in front of Evolution: a refused connection or a 5xx is retried a second later on
# the other replica.
set -euo pipefail
cd "$(dirname "$0")/../.."

MODE=${1:-standalone}
RATE=${CHAOS_RATE:-200}
PG_PORT=55432
REDIS_PORT=56379
MEM0_PORT=58091
PORTS=(18081 18082)
MGMT=(19081 19082)
TOKEN=chaos-webhook-token-0123456789abcdef012345
OUT=target/chaos
PGDATA=$OUT/pg
FAULTS=(pg-stop pg-pause redis-kill redis-pause mem0-slow mem0-500 mem0-429 service-kill replica-kill)
CLUSTER_PORT=27101  # cluster bus ports are +10000: 37101-37106
PARTITIONS=6
if [ "$MODE" = cluster ]; then
  FAULTS=(master-kill master-rejoin second-master-kill)
fi
# Two cold JVMs at full load on two cores answer in seconds for their first minute (JIT): the faults
# start once they are warm.
WARMUP=60
PHASE=30
FAULT=10
LOAD_SECONDS=$((WARMUP + ${#FAULTS[@]} * PHASE + 10))

log() { printf '[chaos %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
pids=()
RUN_AS=()
cleanup() {
  for p in "${pids[@]}" "${app[@]:-}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  [ -n "${PG_BIN:-}" ] && "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" stop -m immediate >/dev/null 2>&1 || true
  [ -n "${REDIS:-}" ] && kill "$REDIS" 2>/dev/null || true
  if [ "$MODE" = cluster ]; then
    XDG_STATE_HOME="$OUT/state" CLUSTER_BASE_PORT=$CLUSTER_PORT scripts/services.sh cluster stop >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT INT TERM

rm -rf "$OUT" && mkdir -p "$OUT"
scripts/services.sh start >/dev/null 2>&1   # installs the PostgreSQL and Redis binaries on a fresh machine
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
log "building the service and the load tools"
./mvnw -B -q package -DskipTests
./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
CP="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"

# ---- private PostgreSQL and Redis ---------------------------------------------------------------
RUN_AS=()
[ "$(id -u)" = 0 ] && RUN_AS=(runuser -u postgres --) && mkdir -p "$PGDATA" && chown postgres "$PGDATA" "$OUT"
"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust >/dev/null
pg_start() { "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -o "-p $PG_PORT -k /tmp" -l "$PGDATA/server.log" -w start >/dev/null; }
pg_stop() { "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null; }
pg_pids() { local pm; pm=$(head -n 1 "$PGDATA/postmaster.pid"); echo "$pm $(pgrep -P "$pm" | tr '\n' ' ')"; }
pg_start
psql -h 127.0.0.1 -p $PG_PORT -U postgres -qX -c "CREATE DATABASE chaos"
redis_start() {
  redis-server --port $REDIS_PORT --bind 127.0.0.1 --dir "$OUT" --appendonly yes --appendfsync always \
    --save "" --daemonize no > "$OUT/redis.log" 2>&1 &
  REDIS=$!
  for _ in $(seq 1 50); do redis-cli -p $REDIS_PORT ping >/dev/null 2>&1 && break; sleep 0.1; done
}
if [ "$MODE" = cluster ]; then
  # The project's cluster script, on private ports and with its state under target/chaos.
  XDG_STATE_HOME="$PWD/$OUT/state" CLUSTER_BASE_PORT=$CLUSTER_PORT scripts/services.sh cluster start
  REDIS_OPTS=(-Dquarkus.redis.client-type=cluster
    "-Dquarkus.redis.hosts=redis://127.0.0.1:$CLUSTER_PORT,redis://127.0.0.1:$((CLUSTER_PORT + 1)),redis://127.0.0.1:$((CLUSTER_PORT + 2))"
    -Dingress.dispatch.partitions=$PARTITIONS -Dingress.dispatch.replica-acks=1)
else
  redis_start
  REDIS_OPTS=("-Dquarkus.redis.hosts=redis://127.0.0.1:$REDIS_PORT/0")
fi
# Cluster queries go to any node that answers (the one first asked may be the one just killed).
alive_port() { for p in $(seq $CLUSTER_PORT $((CLUSTER_PORT + 5))); do redis-cli -p "$p" ping >/dev/null 2>&1 && { echo "$p"; return; }; done; }
# The port of the live master serving partition N's slot.
master_of() {
  local ask slot
  ask=$(alive_port)
  slot=$(redis-cli -p "$ask" cluster keyslot "ingress:turns:{$1}")
  redis-cli -p "$ask" cluster nodes | python3 -c '
import sys
slot = int(sys.argv[1])
for line in sys.stdin:
    f = line.split()
    if "master" in f[2] and "fail" not in f[2]:
        for r in f[8:]:
            lo, _, hi = r.partition("-")
            if not r.startswith("[") and int(lo) <= slot <= int(hi or lo):
                print(f[1].split("@")[0].split(":")[1])' "$slot"
}
# Kills (kill -9) the master of partition N and waits until its replica serves the slot.
kill_master() {
  local port pid begin now
  port=$(master_of "$1")
  pid=$(cat "$OUT/state/clinic-ingress/redis-cluster/$port/redis.pid")
  begin=$(date +%s%3N)
  kill -9 "$pid"
  for _ in $(seq 1 300); do
    now=$(master_of "$1" 2>/dev/null || true)
    [ -n "$now" ] && [ "$now" != "$port" ] && redis-cli -p "$now" cluster info | grep -q 'cluster_state:ok' && break
    sleep 0.1
  done
  log "master $port (partition $1) killed; $(master_of "$1") serves its slots after $(( $(date +%s%3N) - begin )) ms"
  echo "$port" > "$OUT/killed-master"
}

java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m -cp "$CP" clinic.ingress.bench.Mem0StandIn \
  $MEM0_PORT 150 100 0.3 > "$OUT/mem0-standin.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$MEM0_PORT/__counts" >/dev/null 2>&1 && break; sleep 0.2; done
mem0() { curl -fs -X POST "http://127.0.0.1:$MEM0_PORT/$1" >/dev/null; }

# ---- two replicas -------------------------------------------------------------------------------
app=()
start_replica() { # start_replica INDEX
  local i=$1
  DATABASE_REACTIVE_URL="postgresql://127.0.0.1:$PG_PORT/chaos" DATABASE_JDBC_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/chaos" \
  DATABASE_USERNAME=postgres DATABASE_PASSWORD=postgres \
  INGRESS_WEBHOOK_TOKEN=$TOKEN INGRESS_CACHE_KEY_SECRET=chaos-cache-key-secret-0123456789abcdef INGRESS_CACHE_ENCRYPTION_KEY=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY= INGRESS_DISPATCH_SEAL_KEY=c2VhbC1rZXktZm9yLWJlbmNobWFya3MtMDEyMzQ1Njc= \
  INGRESS_MEM0_BASE_URL="http://127.0.0.1:$MEM0_PORT" INGRESS_MEM0_API_KEY=standin \
    java -Xmx384m -Dquarkus.http.port=${PORTS[$i]} -Dquarkus.management.port=${MGMT[$i]} "${REDIS_OPTS[@]}" \
      -Dquarkus.log.console.json.enabled=false \
      -Dingress.dispatch.relay-grace=2s -Dingress.dispatch.relay-interval=1s \
      -Dingress.memory.write-grace=20s -Dingress.memory.write-relay-interval=2s \
      -jar target/quarkus-app/quarkus-run.jar >> "$OUT/replica-$i.log" 2>&1 &
  app[$i]=$!
  for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:${MGMT[$i]}/q/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "${app[$i]}" 2>/dev/null || { log "replica $i did not start: $OUT/replica-$i.log"; exit 1; }
    sleep 0.2
  done
}
start_replica 0
psql -h 127.0.0.1 -p $PG_PORT -U postgres -d chaos -qX <<'SQL'
INSERT INTO core.organizations (id, name) VALUES ('6d3f1c2a-0000-4000-8000-00000000c4a0', 'Chaos Org');
INSERT INTO healthcare.clinics (id, organization_id, name, whatsapp_number)
VALUES ('6d3f1c2a-0000-4000-8000-00000000c4a1', '6d3f1c2a-0000-4000-8000-00000000c4a0', 'Chaos Clinic', '5511900000000');
INSERT INTO core.whatsapp_instances (instance_name, clinic_id, organization_id)
SELECT 'chaos-' || g, '6d3f1c2a-0000-4000-8000-00000000c4a1', '6d3f1c2a-0000-4000-8000-00000000c4a0'
FROM generate_series(1, 4) g;
SQL
start_replica 1

# ---- load and faults ----------------------------------------------------------------------------
log "load: $RATE msg/s for $LOAD_SECONDS s across ${PORTS[*]}"
java -Xmx512m -cp "$CP" clinic.ingress.bench.ChaosLoad "$RATE" "$LOAD_SECONDS" "$TOKEN" \
  chaos-1,chaos-2,chaos-3,chaos-4 "$(IFS=,; echo "${PORTS[*]}")" "$OUT/load.csv" > "$OUT/load.log" 2>&1 &
LOAD=$!
pids+=("$LOAD")
sleep $WARMUP
now_ms() { date +%s%3N; }
for fault in "${FAULTS[@]}"; do
  start=$(now_ms)
  log "fault: $fault"
  case $fault in
    pg-stop) pg_stop; sleep $FAULT; pg_start ;;
    # A backend may exit between the listing and the signal: that one needs no pausing.
    pg-pause) p=$(pg_pids); kill -STOP $p 2>/dev/null || true; sleep $FAULT; kill -CONT $p 2>/dev/null || true ;;
    redis-kill) kill -9 "$REDIS"; wait "$REDIS" 2>/dev/null || true; sleep $FAULT; redis_start ;;
    redis-pause) kill -STOP "$REDIS"; sleep $FAULT; kill -CONT "$REDIS" ;;
    mem0-slow) mem0 "__delay?search=5000&add=5000"; sleep $FAULT; mem0 "__delay?search=150&add=100" ;;
    mem0-500) mem0 "__mode?mode=500"; sleep $FAULT; mem0 "__mode?mode=ok" ;;
    mem0-429) mem0 "__mode?mode=429"; sleep $FAULT; mem0 "__mode?mode=ok" ;;
    service-kill) kill -9 "${app[0]}"; wait "${app[0]}" 2>/dev/null || true; start_replica 0 ;;
    replica-kill) kill -9 "${app[1]}"; wait "${app[1]}" 2>/dev/null || true; sleep $FAULT ;;
    # The master of partition 0 dies; its replica is promoted by the cluster itself (node timeout 2 s).
    master-kill) kill_master 0 ;;
    # The killed node restarts with its cluster state and AOF and rejoins as a replica of the new master.
    master-rejoin)
      port=$(cat "$OUT/killed-master")
      (cd "$OUT/state/clinic-ingress/redis-cluster/$port" && redis-server --daemonize yes --bind 127.0.0.1 --port "$port" \
        --dir . --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
        --cluster-replica-validity-factor 0 --appendonly yes --appendfsync everysec --save "" \
        --logfile redis.log --pidfile redis.pid)
      sleep $FAULT ;;
    # Another shard's master: a partition that was not on the first one.
    second-master-kill)
      for n in $(seq 1 $((PARTITIONS - 1))); do
        [ "$(master_of "$n")" != "$(master_of 0)" ] && { kill_master "$n"; break; }
      done ;;
  esac
  echo "$fault,$start,$(now_ms)" >> "$OUT/phases.csv"
  sleep $((PHASE - FAULT > 0 ? PHASE - FAULT : 1))
done
wait "$LOAD" || true
log "load done; waiting for turns and mem0 adds to catch up, then checking"
if [ "$MODE" = cluster ]; then
  CHAOS_CLUSTER_PORT=$(alive_port) CHAOS_STREAMS="$(for n in $(seq 0 $((PARTITIONS - 1))); do printf 'ingress:turns:{%s} ' "$n"; done)" \
    python3 tools/chaos/chaos_report.py "$OUT" "$PG_PORT" "$(alive_port)" "$MEM0_PORT"
else
  python3 tools/chaos/chaos_report.py "$OUT" "$PG_PORT" "$REDIS_PORT" "$MEM0_PORT"
fi
