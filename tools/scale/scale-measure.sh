#!/usr/bin/env bash
# The measurements behind docs/scaling.md: what one message costs each tier, on this machine.
#
#   tools/scale/scale-measure.sh     about 4 minutes; prints a table (also target/scale/report.md)
#   NATIVE_RUNNER=path/to/clinic-ingress-*-runner tools/scale/scale-measure.sh
#                                about 8 minutes: the same two runs again with a native executable
#                                (built by Dockerfile.native, or any native build of this commit),
#                                so JVM and native rows come from one session of the same machine
#
# The packaged service runs against the local PostgreSQL (database clinic_ingress_bench, recreated)
# and, in turn, standalone Redis (DB 3) and the project's Redis Cluster (scripts/services.sh cluster,
# 6 turn partitions, WAIT for one replica), with the light mem0 STAND-IN (bench/Mem0StandIn, not
# mem0). For each, after 30 s of unrecorded warm-up, wrk posts new messages of 1,000 patients to 20
# instances for 20 s at 64 connections, and the script records: messages stored per second, CPU
# seconds of each process (tools/bench/cpu_share.py), Redis commands (INFO commandstats, summed over
# every node), PostgreSQL commits and WAL bytes (pg_stat_database, pg_current_wal_lsn), the service's
# peak resident memory (VmHWM). Everything
# shares the same 2 cores, so per-message costs are the figures to carry to other machines; the
# msg/s figure is this machine's, with the load generator and both databases beside the service.
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT=target/scale
APP_PORT=8089
MGMT_PORT=9089
MEM0_PORT=8092
DB=clinic_ingress_bench
TOKEN=bench-webhook-token-0123456789abcdef0123
PATIENTS=1000
export PGPASSWORD=${PGPASSWORD:-postgres} PGHOST=127.0.0.1 PGUSER=postgres
CLUSTER_PORTS=$(seq 7101 7106)

log() { printf '[scale %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
rm -rf "$OUT" && mkdir -p "$OUT/runs"

command -v wrk >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
scripts/services.sh start >/dev/null 2>&1
scripts/services.sh cluster start >/dev/null 2>&1
log "building the service and the stand-in"
./mvnw -B -q package -DskipTests
./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
CP="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"

# mem0 stand-in: search 5 ms, add 200 ms (like mem0's hosted add); patients' memories get cached.
java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m -cp "$CP" clinic.ingress.bench.Mem0StandIn \
  "$MEM0_PORT" 5 200 0.15 > "$OUT/mem0-standin.log" 2>&1 &
MEM0=$!
pids+=("$MEM0")


redis_calls() { # redis_calls standalone|cluster -> total commands processed so far
  local ports=6379
  case $1 in cluster*) ports=$CLUSTER_PORTS ;; esac
  # Masters only: a replica counts the commands it applies from its master's stream again.
  for p in $ports; do
    if [ "$(redis-cli -p "$p" role | head -n 1)" = master ]; then redis-cli -p "$p" info commandstats; fi
  done | sed -n 's/^cmdstat_[^:]*:calls=\([0-9]*\),.*/\1/p' | awk '{s += $1} END {print s}'
}
pg_counters() { # commits and WAL position of the bench database
  psql -qAtX -d "$DB" -c "SELECT xact_commit, pg_current_wal_lsn() - '0/0'::pg_lsn FROM pg_stat_database WHERE datname = '$DB'"
}
stored() { psql -qAtX -d "$DB" -c "SELECT count(*) FROM core.whatsapp_messages"; }

run() { # run NAME REDIS_OPTIONS...
  local name=$1; shift
  log "$name: fresh database, 200 instances"
  psql -qX -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
  DATABASE_REACTIVE_URL="postgresql://127.0.0.1:5432/$DB" DATABASE_JDBC_URL="jdbc:postgresql://127.0.0.1:5432/$DB" \
  DATABASE_USERNAME=postgres DATABASE_PASSWORD="$PGPASSWORD" INGRESS_WEBHOOK_TOKEN=$TOKEN \
  INGRESS_CACHE_KEY_SECRET=bench-cache-key-secret-0123456789abcdef INGRESS_CACHE_ENCRYPTION_KEY=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY= INGRESS_DISPATCH_SEAL_KEY=c2VhbC1rZXktZm9yLWJlbmNobWFya3MtMDEyMzQ1Njc= INGRESS_MEM0_BASE_URL="http://127.0.0.1:$MEM0_PORT" \
    "${SERVICE[@]}" -Dquarkus.http.port=$APP_PORT -Dquarkus.management.port=$MGMT_PORT \
      -Dquarkus.log.console.json.enabled=false "$@" ${SERVICE_TAIL[@]+"${SERVICE_TAIL[@]}"} > "$OUT/app-$name.log" 2>&1 &
  APP=$!
  pids+=("$APP")
  for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$MGMT_PORT/q/health/ready" >/dev/null 2>&1 && break; sleep 0.1; done
  psql -qX -v instances=200 -d "$DB" -f tools/bench/bench-directory.sql
  log "$name: warm-up (wrk -c64, 30 s, not recorded)"
  sed "s/PATIENTS/$PATIENTS/; s/SENDERS/200/; s/RUN/w$name/" tools/bench/post-messages.lua > "$OUT/warm.lua"
  wrk -t2 -c64 -d30s -s "$OUT/warm.lua" "http://127.0.0.1:$APP_PORT" > /dev/null
  sleep 3
  local calls0 pg0 stored0
  calls0=$(redis_calls "$name"); pg0=$(pg_counters); stored0=$(stored)
  log "$name: measured (wrk -c64, 20 s)"
  sed "s/PATIENTS/$PATIENTS/; s/SENDERS/200/; s/RUN/m$name/" tools/bench/post-messages.lua > "$OUT/run.lua"
  python3 tools/bench/cpu_share.py "$OUT/runs/$name.cpu.json" service="$APP" "mem0 stand-in=$MEM0" -- \
    wrk -t2 -c64 -d20s --latency -s "$OUT/run.lua" "http://127.0.0.1:$APP_PORT" > "$OUT/runs/$name.wrk.txt"
  # Turns and outbox deletes trail the answers by milliseconds: let them land before counting.
  sleep 3
  local calls1 pg1 stored1
  calls1=$(redis_calls "$name"); pg1=$(pg_counters); stored1=$(stored)
  # The service's peak resident memory since it started (warm-up included), in kB.
  local rss
  rss=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$APP/status")
  echo "{\"messages\": $((stored1 - stored0)), \"redis_calls\": $((calls1 - calls0)), \"commits\": $(( ${pg1%%|*} - ${pg0%%|*} )), \"wal_bytes\": $(( ${pg1##*|} - ${pg0##*|} )), \"rss_peak_kb\": ${rss:-0}}" \
    > "$OUT/runs/$name.counts.json"
  kill "$APP" 2>/dev/null || true; wait "$APP" 2>/dev/null || true
}

both() { # both SUFFIX: the standalone and the cluster run with the current SERVICE
  run "standalone$1" "-Dquarkus.redis.hosts=redis://127.0.0.1:6379/3"
  run "cluster$1" -Dquarkus.redis.client-type=cluster \
    "-Dquarkus.redis.hosts=redis://127.0.0.1:7101,redis://127.0.0.1:7102,redis://127.0.0.1:7103" \
    -Dingress.dispatch.partitions=6 -Dingress.dispatch.replica-acks=1
}
SERVICE=(java -Xmx512m); SERVICE_TAIL=(-jar target/quarkus-app/quarkus-run.jar)
both ""
NAMES="standalone cluster"
if [ -n "${NATIVE_RUNNER:-}" ]; then
  # The executable takes the same -D options; -Xmx caps its heap as -Xmx512m does the JVM's.
  SERVICE=("$NATIVE_RUNNER" -Xmx512m); SERVICE_TAIL=()
  both "-native"
  NAMES="$NAMES standalone-native cluster-native"
fi

python3 - "$OUT" $NAMES <<'PY' | tee "$OUT/report.md"
import json, re, sys
out = sys.argv[1]
print("| run | msg/s (wrk -c64, 20 s) | p99 | service CPU ms/msg | service peak RSS | PostgreSQL CPU ms/msg | Redis CPU ms/msg | Redis commands/msg | PG commits/msg | WAL bytes/msg |")
print("|---|---|---|---|---|---|---|---|---|---|")
for name in sys.argv[2:]:
    cpu = json.load(open(f"{out}/runs/{name}.cpu.json"))
    counts = json.load(open(f"{out}/runs/{name}.counts.json"))
    wrk = open(f"{out}/runs/{name}.wrk.txt").read()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", wrk).group(1))
    p99 = re.search(r"99%\s+(\S+)", wrk).group(1)
    n = max(counts["messages"], 1)
    c = cpu["cpu_s"]
    ms = lambda key: 1000 * c.get(key, 0) / n
    print(f"| {name} | {rate:.0f} | {p99} | {ms('service'):.3f} | {counts.get('rss_peak_kb', 0) / 1024:.0f} MiB | {ms('postgresql'):.3f} | {ms('redis'):.3f} | "
          f"{counts['redis_calls'] / n:.2f} | {counts['commits'] / n:.3f} | {counts['wal_bytes'] / n:.0f} |")
PY
