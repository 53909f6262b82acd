#!/usr/bin/env bash
# Benchmarks clinic-ingress: its write path against a baseline commit in the same run, the seed's
# before/after table, and the targets docs/benchmarks.md lists.
#
#   scripts/bench.sh            (after scripts/test.sh on a fresh machine; about 15 minutes)
#   BENCH_BASELINE=<commit>     the version to compare with (default 56efb80: before group commit)
#   BENCH_SECTIONS=write        only section 1 (about 14 minutes, 19 with the native executable), then the report
#   NATIVE_RUNNER=<path>        the native executable measured beside the JVM (default: target/*-runner when
#                               no source is newer: scripts/native-check.sh builds it; none to skip); NATIVE_OPTS
#                               are its run-time options (-Xmn64m, say)
#   BENCH_SECTIONS=noisy        only the noisy-neighbour measurement (about 2 minutes)
#   BENCH_SECTIONS=edge         the edge: noisy neighbour, reconnect bursts (Evolution up to 2.2.0 and 2.3),
#                               stalled uploads, expensive bodies and their JMH (about 6 minutes)
#   BENCH_SECTIONS=native       the JVM and the native executable, same data and load, one after the other:
#                               wrk -c32/64/128 and 1,000 msg/s with CPU, allocation and RSS per message, then
#                               5 restarts each to ready with 10,000 instances (memories in Redis, mem0 at 5 s);
#                               NATIVE_VARIANTS="name=-Xopt,-Xopt ..." adds executables' option sets, and
#                               NATIVE_BUILDS="name=/path/to/runner ..." other executables (built with other
#                               build arguments) run with the shipped options (about 4 minutes per variant)
#   BENCH_SECTIONS=profile      where a message's CPU and allocation go under wrk -c64 (30 s after a warm-up):
#                               JFR on the JVM (top frames, allocation by class and by the service's first
#                               frame: tools/bench/jfr_top.py), and perf on NATIVE_RUNNER when given (build it
#                               with -Dquarkus.native.additional-build-args=-H:+UnlockExperimentalVMOptions,
#                               -H:-DeleteLocalSymbols so perf sees symbols) (about 4 minutes)
#   BENCH_SECTIONS=retention    webhooks at 200 msg/s while message retention deletes 100,000 old messages,
#                               against the same load with nothing to delete (about 3 minutes)
#   BENCH_SECTIONS=postgres     PostgreSQL's CPU, commits, WAL and statements per message idle, at 200 and 1,000
#                               msg/s and at saturation (about 3 minutes per variant; PG_VARIANTS="a= b=-Dx=1,-Dy=2")
#
# Everything runs on this one machine: the service, PostgreSQL, Redis, a mem0 STAND-IN and the load
# generators share its cores. So every run also records the CPU time each process used
# (tools/bench/cpu_share.py), and comparisons are made within one run:
#   1. write path, baseline then current build, same data, same load: wrk at 32/64/128 connections
#      (unique message ids, warm caches), open-model 200 and 1,000 msg/s (OpenLoad), and the same
#      schedules against GET /q/health/live (the floor the machine and the tools set); then the
#      current build again with its reactive pool through PgBouncer in transaction mode
#      (ingress.postgres.pooled: what Supabase's pooler does to the write path)
#   2. the seed's table: caches off (rollback switches, mem0 waited for) versus on and warm, with
#      PostgreSQL statements counted on the wire by a proxy; a stampede of one patient
#      and one noisy clinic: a quiet instance's latency alone and beside another's flood
#   3. start-up with 10,000 instances, RSS after warm-up and under load; 16 concurrent 12 MiB media
#      webhooks (tools/bench/media-burst.sh)
#   4. JMH: the local tier and the codec
#   5. the dashboard and alert expressions against a real Prometheus (tools/observability/check-observability.sh)
# The tools are kept light so they take as little as possible from the service: wrk (C), OpenLoad
# with C1 only and no garbage collector (Epsilon: no pauses charged to the service), and a Vert.x
# mem0 stand-in (bench/Mem0StandIn: search lognormal median 5 s like the seed's mem0, add 200 ms)
# instead of WireMock, which used about one core under load.
# Writes target/bench/report.md, results.json and latency.svg. Leaves nothing running.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=target/bench
APP_PORT=${BENCH_APP_PORT:-8089}
# Health and metrics are on the management port since issue 11; the baseline still serves them on
# APP_PORT. start_app sets OPS_PORT to whichever answers.
MGMT_PORT=${BENCH_MGMT_PORT:-9089}
MEM0_PORT=${BENCH_MEM0_PORT:-8092}
DB=clinic_ingress_bench
REDIS_DB=3
INSTANCES=${BENCH_INSTANCES:-10000}
PATIENTS=${BENCH_PATIENTS:-100}
BASELINE=${BENCH_BASELINE:-56efb80}
TOKEN=bench-webhook-token-0123456789abcdef0123
# The tools' JVMs: C1 only (their JIT would take seconds of CPU from the service), no GC (a pause
# of the generator would be charged to the service by the open model).
TOOL_JVM="-XX:TieredStopAtLevel=1 -XX:+UnlockExperimentalVMOptions -XX:+UseEpsilonGC -Xms1g -Xmx1g"
export PGPASSWORD=${PGPASSWORD:-postgres} PGHOST=127.0.0.1 PGUSER=postgres

mkdir -p "$OUT" && rm -rf "$OUT"/*.json "$OUT"/*.log "$OUT"/*.txt "$OUT"/*.md "$OUT"/*.svg "$OUT"/*.lua "$OUT"/runs
mkdir -p "$OUT/runs"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---- tools, services, builds --------------------------------------------------------------------
command -v wrk >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v python3 >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq python3 >/dev/null; }
scripts/services.sh start >/dev/null 2>&1
scripts/services.sh pgbouncer start >/dev/null 2>&1
PGBOUNCER_PORT=${PGBOUNCER_PORT:-6432}

NATIVE=${NATIVE_RUNNER:-}
# The run-time options the native image ships with (Dockerfile.native's CMD), unless NATIVE_OPTS says otherwise.
NATIVE_OPTS=${NATIVE_OPTS-$(tools/lib/native-options.sh)}
log "building the service and the benchmark tools"
./mvnw -B -q package -DskipTests
./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
CP="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
if [ -z "$NATIVE" ]; then
  runner=$(ls target/*-runner 2>/dev/null | head -n 1 || true)
  # An executable older than any source would measure another version than the jar.
  if [ -n "$runner" ] && [ -z "$(find src/main migrations pom.xml -newer "$runner" -type f | head -n 1)" ]; then
    NATIVE=$runner
  fi
fi
[ "$NATIVE" = none ] && NATIVE=""
[ -n "$NATIVE" ] && log "native executable measured beside the JVM: $NATIVE" || log "no native executable as new as the sources: JVM only (scripts/native-check.sh builds one)"
BASE_DIR=target/bench-baseline/$BASELINE
if [ ! -f "$BASE_DIR/target/quarkus-app/quarkus-run.jar" ]; then
  log "building the baseline $BASELINE"
  rm -rf "$BASE_DIR" && mkdir -p "$BASE_DIR"
  git archive "$BASELINE" | tar -x -C "$BASE_DIR"
  (cd "$BASE_DIR" && ./mvnw -B -q package -DskipTests)
fi

# ---- mem0 stand-in ------------------------------------------------------------------------------
java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m -cp "$CP" clinic.ingress.bench.Mem0StandIn \
  "$MEM0_PORT" 5000 200 0.15 > "$OUT/mem0-standin.log" 2>&1 &
MEM0=$!
pids+=("$MEM0")
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$MEM0_PORT/__counts" >/dev/null 2>&1 && break; sleep 0.2; done
mem0_delay() { curl -fs -X POST "http://127.0.0.1:$MEM0_PORT/__delay?search=$1" >/dev/null; }
mem0_searches() { # mem0_searches [PHONE]: searches so far, all or for one patient (by its pseudonym)
  local user=""
  if [ -n "${1:-}" ]; then
    user=p_$(python3 -c 'import hmac,hashlib,sys; print(hmac.new(b"bench-cache-key-secret-0123456789abcdef", sys.argv[1].encode(), hashlib.sha256).hexdigest())' \
      "0a7c8e52-1f7e-4a3b-9c55-3d1b2e4f6a01:$1")
  fi
  curl -fs "http://127.0.0.1:$MEM0_PORT/__counts?user=$user" \
    | python3 -c 'import json,sys; c=json.load(sys.stdin); print(c["userSearches"] if len(sys.argv) > 1 and sys.argv[1] else c["searches"])' "$user"
}

# ---- statement-counting proxy in front of PostgreSQL (the seed's table only) --------------------
java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m -cp "$CP" clinic.ingress.bench.CountingPostgresProxy "$OUT/pg-statements.json" > "$OUT/proxy-port.txt" 2>"$OUT/proxy.log" &
pids+=($!)
for _ in $(seq 1 50); do [ -s "$OUT/proxy-port.txt" ] && break; sleep 0.2; done
PG_PROXY_PORT=$(head -n 1 "$OUT/proxy-port.txt")
statements() { # statements so far whose SQL contains $1 ("" = all)
  python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(sum(n for s,n in c.items() if sys.argv[2] in s))' \
    "$OUT/pg-statements.json" "$1"
}

# ---- the service --------------------------------------------------------------------------------
APP=""
JAR=target/quarkus-app/quarkus-run.jar
start_app() { # start_app NAME [extra -D options]; PG_VIA=proxy (count statements), direct or pgbouncer; JAR=...
  local name=$1; shift
  local pg_port=$PG_PROXY_PORT
  [ "${PG_VIA:-proxy}" = direct ] && pg_port=5432
  [ "${PG_VIA:-proxy}" = pgbouncer ] && pg_port=$PGBOUNCER_PORT
  local t0; t0=$(date +%s%N)
  if [[ "$JAR" == *.jar ]]; then
    RUN=(java -Xmx512m); RUN_TAIL=(-jar "$JAR")
  else
    # The native executable, as the container runs it: no heap option (its own default).
    RUN=("$JAR" ${NATIVE_OPTS:-}); RUN_TAIL=()
  fi
  DATABASE_REACTIVE_URL="postgresql://127.0.0.1:$pg_port/$DB" \
  DATABASE_JDBC_URL="jdbc:postgresql://127.0.0.1:5432/$DB" DATABASE_USERNAME=postgres DATABASE_PASSWORD="$PGPASSWORD" \
  REDIS_URL="redis://127.0.0.1:6379/$REDIS_DB" INGRESS_WEBHOOK_TOKEN=$TOKEN INGRESS_CACHE_KEY_SECRET=bench-cache-key-secret-0123456789abcdef INGRESS_CACHE_ENCRYPTION_KEY=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY= INGRESS_DISPATCH_SEAL_KEY=c2VhbC1rZXktZm9yLWJlbmNobWFya3MtMDEyMzQ1Njc= \
  INGRESS_ADMIN_TOKEN=bench-admin-token-0123456789abcdef0123 INGRESS_MEM0_BASE_URL="http://127.0.0.1:$MEM0_PORT" \
    "${RUN[@]}" -Dquarkus.http.port=$APP_PORT -Dquarkus.management.port=$MGMT_PORT \
      -Dquarkus.log.console.json.enabled=false "$@" "${RUN_TAIL[@]}" > "$OUT/app-$name.log" 2>&1 &
  APP=$!
  pids+=("$APP")
  for _ in $(seq 1 600); do
    OPS_PORT=$MGMT_PORT
    curl -fs "http://127.0.0.1:$OPS_PORT/q/health/ready" >/dev/null 2>&1 && break
    OPS_PORT=$APP_PORT
    curl -fs "http://127.0.0.1:$OPS_PORT/q/health/ready" >/dev/null 2>&1 && break
    kill -0 "$APP" 2>/dev/null || { log "the service did not start: $OUT/app-$name.log"; exit 1; }
    sleep 0.1
  done
  READY_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
}
stop_app() { kill "$APP" 2>/dev/null || true; wait "$APP" 2>/dev/null || true; }
rss_mb() { awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$APP/status"; }
metric() { # metric NAME QUANTILE -> milliseconds, from the service's histogram buckets (as histogram_quantile)
  curl -fs "http://127.0.0.1:$OPS_PORT/q/metrics" | python3 -c '
import re, sys
name, q = sys.argv[1], float(sys.argv[2])
buckets = {}
for line in sys.stdin:
    m = re.match(name + r"_seconds_bucket\{.*le=\"([^\"]+)\".*\} (\S+)", line)
    if m:
        le = float("inf") if m.group(1) == "+Inf" else float(m.group(1))
        buckets[le] = buckets.get(le, 0) + float(m.group(2))
if not buckets or buckets[max(buckets)] == 0:
    print("null"); sys.exit()
bounds = sorted(buckets); total = buckets[bounds[-1]]; rank = q * total; prev_le, prev_n = 0.0, 0.0
for le in bounds:
    if buckets[le] >= rank:
        if le == float("inf"):
            print("%.3f" % (prev_le * 1000)); break
        print("%.3f" % ((prev_le + (le - prev_le) * (rank - prev_n) / max(buckets[le] - prev_n, 1e-9)) * 1000)); break
    prev_le, prev_n = le, buckets[le]
' "$1" "$2"
}
load() { # load RATE SECONDS PATIENTS RUN [FIRST_PATIENT [WARMUP_SECONDS]] -> JSON line
  java $TOOL_JVM -cp "$CP" clinic.ingress.bench.OpenLoad 127.0.0.1 $APP_PORT "$1" "$2" $TOKEN "$INSTANCE_LIST" "$3" "$4" "${5:-0}" "${6:-3}"
}
measured() { # measured RUN -- COMMAND...: runs COMMAND, records every process's CPU in runs/RUN.cpu.json
  local run=$1; shift 2
  python3 tools/bench/cpu_share.py "$OUT/runs/$run.cpu.json" service="$APP" "mem0 stand-in=$MEM0" -- "$@"
}
fresh_database() { # schema by the given build's own migrations, then the directory
  psql -qX -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
  redis-cli -n $REDIS_DB FLUSHDB >/dev/null
  PG_VIA=direct start_app "schema-$1" -Dingress.warmup.enabled=false
  stop_app
  psql -qX -v instances="$INSTANCES" -d "$DB" -f tools/bench/bench-directory.sql
  analyse
}
analyse() { # VACUUM ANALYZE: on a server without autovacuum (these machines' PostgreSQL runs with
  # autovacuum = off) nothing else gives the planner sizes, and the first variant of a run would be
  # measured on plans made for empty tables, the later ones on plans made for full ones.
  psql -qX -d "$DB" -c "VACUUM ANALYZE" 2>/dev/null || true
}
fill_memories() { # every bench patient writes until all their memories are cached (mem0 fast meanwhile)
  mem0_delay 5
  local cached=0
  for i in $(seq 1 30); do
    load 200 $(( PATIENTS / 200 + 1 )) "$PATIENTS" "fill$i-$(date +%s)" 0 0 > /dev/null
    sleep 2
    cached=$(redis-cli -n $REDIS_DB --scan --pattern 'mem0:v1:*' | wc -l)
    [ "$cached" -ge "$PATIENTS" ] && break
  done
  mem0_delay 5000
  analyse
  log "memories cached: $cached of $PATIENTS patients; mem0 stand-in back to a 5 s median"
}
wrk_script() { # wrk_script FILE RUN [SENDERS=200]: tools/bench/post-messages.lua for $PATIENTS warm patients
  sed "s/PATIENTS/$PATIENTS/; s/SENDERS/${3:-200}/; s/RUN/$2/" tools/bench/post-messages.lua > "$1"
}
INSTANCE_LIST=$(seq -s, -f 'bench-%g' 1 200)

noisy_neighbour() { # a quiet instance's latency alone, then beside a flood from another that
  # saturates the service (wrk, 64 connections, every message from bench-1; nothing refuses it).
  log "noisy neighbour: bench-2 at 20 msg/s alone, 15 s"
  java $TOOL_JVM -cp "$CP" clinic.ingress.bench.OpenLoad 127.0.0.1 $APP_PORT 20 15 $TOKEN bench-2 "$PATIENTS" \
    "quiet$(date +%s)" 0 3 > "$OUT/runs/quiet-alone.json"
  log "noisy neighbour: bench-2 at 20 msg/s beside a flood from bench-1"
  wrk_script "$OUT/flood.lua" "f$(date +%s)" 1
  wrk -t2 -c64 -d24s -s "$OUT/flood.lua" "http://127.0.0.1:$APP_PORT" > "$OUT/runs/flood-wrk.txt" &
  local flood=$!
  sleep 3
  java $TOOL_JVM -cp "$CP" clinic.ingress.bench.OpenLoad 127.0.0.1 $APP_PORT 20 15 $TOKEN bench-2 "$PATIENTS" \
    "quietf$(date +%s)" 0 3 > "$OUT/runs/quiet-flood.json"
  wait $flood || true
}

edge() { # what the edge takes from one sender: a reconnect burst, stalled uploads, expensive bodies
  local policy count
  for run in NO_RETRY:600 EVOLUTION_2_3:600 NO_RETRY:5000 EVOLUTION_2_3:5000; do
    policy=${run%%:*}; count=${run#*:}
    log "edge: $count messages of bench-3 at once, sent as Evolution $policy"
    local before; before=$(rss_mb)
    rm -f "$OUT/runs/.burst-done"
    ( peak=0; while kill -0 "$APP" 2>/dev/null && [ ! -f "$OUT/runs/.burst-done" ]; do
        r=$(rss_mb); [ "$r" -gt "$peak" ] && peak=$r; echo "$peak" > "$OUT/runs/.burst-peak"; sleep 0.05; done ) &
    local sampler=$!
    java -XX:TieredStopAtLevel=1 -Xmx1g -cp "$CP" clinic.ingress.bench.EvolutionBurst 127.0.0.1 $APP_PORT $TOKEN bench-3 \
      "$count" "$policy" > "$OUT/runs/burst-$policy-$count.raw.json"
    touch "$OUT/runs/.burst-done"; wait $sampler 2>/dev/null || true
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r.update(rss_before_mb=int(sys.argv[2]), rss_peak_mb=int(sys.argv[3])); print(json.dumps(r))' \
      "$OUT/runs/burst-$policy-$count.raw.json" "$before" "$(cat "$OUT/runs/.burst-peak")" > "$OUT/runs/burst-$policy-$count.json"
    sleep 3
  done
  log "edge: 60 stalled 1 MiB uploads beside another clinic's webhooks"
  python3 tools/bench/stalled-uploads.py $APP_PORT $TOKEN bench-4 60 1048576 > "$OUT/runs/stalled.json"
  log "edge: expensive bodies, answer times"
  python3 tools/bench/pathological.py $APP_PORT $TOKEN bench-5 > "$OUT/runs/pathological.json"
}

retention() { # webhooks' latency while retention deletes old messages, against the same load without it
  log "retention: 200 msg/s for 40 s with nothing old to delete (the baseline)"
  load 200 40 "$PATIENTS" "retbase$(date +%s)" 0 5 > "$OUT/runs/retention-baseline.json"
  log "retention: 100,000 messages stored 400 days ago"
  psql -qX -d "$DB" -v count=100000 -f tools/bench/old-messages.sql
  local deleted='ingress_messages_retention_deleted_total{what="messages"}'
  ( while kill -0 "$APP" 2>/dev/null && [ ! -f "$OUT/runs/.retention-done" ]; do
      printf '%s %s\n' "$(date +%s.%N)" "$(curl -fs "http://127.0.0.1:$OPS_PORT/q/metrics" | awk -v m="$deleted" '$1 == m {print $2}')"
      sleep 0.5; done ) > "$OUT/runs/retention-progress.txt" &
  local sampler=$!
  log "retention: 200 msg/s for 40 s while the sweep deletes them"
  load 200 40 "$PATIENTS" "retsweep$(date +%s)" 0 5 > "$OUT/runs/retention-sweep.json"
  touch "$OUT/runs/.retention-done"; wait $sampler 2>/dev/null || true
  python3 - "$OUT/runs" <<'PY' | tee "$OUT/runs/retention.md"
import json, sys
runs = sys.argv[1]
base = json.loads(open(f"{runs}/retention-baseline.json").read().splitlines()[-1])
sweep = json.loads(open(f"{runs}/retention-sweep.json").read().splitlines()[-1])
points = [(float(t), float(v)) for t, v in (line.split() for line in open(f"{runs}/retention-progress.txt") if len(line.split()) == 2)]
moving = [t for (t, v), (_, prev) in zip(points[1:], points) if v > prev]
seconds = (max(moving) - min(moving) + 0.5) if moving else 0
total = points[-1][1] - points[0][1] if points else 0
print("| 200 msg/s, 40 s | p50 ms | p99 ms | p999 ms | max ms |")
print("|---|---|---|---|---|")
for name, r in (("nothing to delete", base), ("deleting 100,000 old messages", sweep)):
    print(f"| {name} | {r['p50']:.1f} | {r['p99']:.1f} | {r['p999']:.1f} | {r['max']:.1f} |")
print(f"\nDeleted {total:.0f} messages in about {seconds:.0f} s of the run; p99 ratio {sweep['p99'] / base['p99']:.2f}.")
PY
}

native_variant() { # native_variant NAME JAR [options]: wrk and the open model, CPU, allocation and RSS per message
  local name=$1
  JAR=$2
  shift 2
  analyse # what the variant before left (dead outbox rows) vacuumed, as autovacuum would have
  PG_VIA=direct start_app "$name" "$@"
  [ -n "${memories_filled:-}" ] || { fill_memories; memories_filled=1; }
  log "native section, $name: warm-up (wrk, 30 s, not recorded)"
  wrk_script "$OUT/warm.lua" "w$name$(date +%s)"
  wrk -t2 -c64 -d30s -s "$OUT/warm.lua" "http://127.0.0.1:$APP_PORT" > /dev/null
  # Sizes for the planner once the warm-up has filled the outboxes: the variant that starts on the
  # smaller tables would otherwise keep generic plans made for them (a sequential scan of the mem0
  # outbox per batched DELETE in run 12's JVM, which PostgreSQL spent 18.7 s of CPU on, not 9.1).
  analyse
  curl -fs "http://127.0.0.1:$OPS_PORT/q/metrics" > "$OUT/runs/$name-metrics-before.txt"
  wc -l < "$OUT/app-$name.log" > "$OUT/runs/$name-log-before.txt"
  for c in 32 64 128; do
    log "native section, $name: wrk -c$c, 15 s"
    wrk_script "$OUT/run.lua" "n$c$name$(date +%s)"
    measured "$name-wrk$c" -- wrk -t2 -c$c -d15s --latency -s "$OUT/run.lua" "http://127.0.0.1:$APP_PORT" > "$OUT/runs/$name-wrk$c.txt"
  done
  log "native section, $name: open model 1,000 msg/s, 15 s"
  ( sleep 10; echo "{\"rss_mb_under_load\": $(rss_mb)}" > "$OUT/runs/$name-rss.json" ) &
  measured "$name-open1000" -- java $TOOL_JVM -cp "$CP" clinic.ingress.bench.OpenLoad 127.0.0.1 $APP_PORT 1000 15 \
    $TOKEN "$INSTANCE_LIST" "$PATIENTS" "o$name$(date +%s)" 0 3 > "$OUT/runs/$name-open1000.json"
  curl -fs "http://127.0.0.1:$OPS_PORT/q/metrics" > "$OUT/runs/$name-metrics-after.txt"
  wc -l < "$OUT/app-$name.log" > "$OUT/runs/$name-log-after.txt"
  stop_app
  for i in 1 2 3 4 5; do
    PG_VIA=direct start_app "$name-restart$i" "$@"
    echo "$READY_MS" >> "$OUT/runs/$name-ready.txt"
    stop_app
  done
}

# ---- 1. write path: baseline and current, same data and load ------------------------------------
write_path() { # write_path VERSION JAR [start_app options]; PG_VIA=direct (default) or pgbouncer
  local version=$1
  JAR=$2
  shift 2
  log "write path, $version: fresh database, $INSTANCES instances, $PATIENTS patients' memories cached"
  fresh_database "$version"
  PG_VIA=${PG_VIA:-direct} start_app "$version" "$@"
  fill_memories
  log "write path, $version: JIT warm-up (wrk, 45 s, not recorded)"
  wrk_script "$OUT/warm.lua" "1$(date +%s)"
  wrk -t2 -c64 -d45s -s "$OUT/warm.lua" "http://127.0.0.1:$APP_PORT" > /dev/null
  curl -fs "http://127.0.0.1:$OPS_PORT/q/metrics" > "$OUT/runs/$version-metrics-before.txt"
  for c in 32 64 128; do
    log "write path, $version: wrk -c$c, 15 s"
    wrk_script "$OUT/run.lua" "2$c$(date +%s)"
    measured "$version-wrk$c" -- wrk -t2 -c$c -d15s --latency -s "$OUT/run.lua" "http://127.0.0.1:$APP_PORT" > "$OUT/runs/$version-wrk$c.txt"
    sleep 2
  done
  for rate in 200 1000; do
    log "write path, $version: open model $rate msg/s, 15 s"
    [ "$rate" = 1000 ] && ( sleep 10; echo "{\"rss_mb_under_load\": $(rss_mb)}" > "$OUT/runs/$version-rss.json" ) &
    measured "$version-open$rate" -- java $TOOL_JVM -cp "$CP" clinic.ingress.bench.OpenLoad 127.0.0.1 $APP_PORT "$rate" 15 \
      $TOKEN "$INSTANCE_LIST" "$PATIENTS" "$version$rate$(date +%s)" 0 3 > "$OUT/runs/$version-open$rate.json"
    sleep 2
  done
  curl -fs "http://127.0.0.1:$OPS_PORT/q/metrics" > "$OUT/runs/$version-metrics-after.txt"
  if [ "$version" = current ]; then
    noisy_neighbour
    # The same schedules against a trivial endpoint of the same service: the floor.
    for c in 32 64 128; do
      log "floor: GET /q/health/live, wrk -c$c"
      measured "trivial-wrk$c" -- wrk -t2 -c$c -d15s --latency "http://127.0.0.1:$OPS_PORT/q/health/live" > "$OUT/runs/trivial-wrk$c.txt"
    done
    for rate in 200 1000; do
      log "floor: GET /q/health/live, open model $rate/s"
      OPENLOAD_TRIVIAL=/q/health/live measured "trivial-open$rate" -- java $TOOL_JVM -cp "$CP" clinic.ingress.bench.OpenLoad \
        127.0.0.1 $OPS_PORT "$rate" 15 $TOKEN "$INSTANCE_LIST" "$PATIENTS" "t$rate" 0 3 > "$OUT/runs/trivial-open$rate.json"
    done
  fi
  stop_app
}
# ---- what each message costs PostgreSQL at 200, 1,000 msg/s and at saturation ------------------
pg_counters() { # commits, WAL bytes, messages stored: one JSON object
  psql -qtAX -d "$DB" -c "SELECT json_build_object('commits', (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()),
    'wal', pg_current_wal_lsn() - '0/0'::pg_lsn, 'messages', (SELECT count(*) FROM core.whatsapp_messages))"
}
pg_statements_reset() { psql -qtAX -d "$DB" -c "SELECT pg_stat_statements_reset()" >/dev/null 2>&1 || true; }
pg_statements() { # the run's statements by PostgreSQL time, when pg_stat_statements is loaded
  psql -qtAX -d "$DB" -c "SELECT coalesce(json_agg(s), '[]') FROM (SELECT left(regexp_replace(query, '\s+', ' ', 'g'), 90) AS query,
    calls, round(total_exec_time::numeric, 1) AS exec_ms, round(total_plan_time::numeric, 1) AS plan_ms, wal_bytes
    FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    ORDER BY total_exec_time + total_plan_time DESC LIMIT 8) s" 2>/dev/null || echo '[]'
}
postgres_cost() { # postgres_cost VARIANT [start_app options]: rates 200, 1000 (open model) and wrk -c64
  local variant=$1; shift
  log "PostgreSQL per message, $variant: fresh database, $PATIENTS patients' memories cached"
  fresh_database "pg-$variant"
  psql -qX -d "$DB" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null 2>&1 || true
  PG_VIA=direct start_app "pg-$variant" "$@"
  fill_memories
  wrk_script "$OUT/warm.lua" "1$(date +%s)"
  wrk -t2 -c64 -d30s -s "$OUT/warm.lua" "http://127.0.0.1:$APP_PORT" > /dev/null
  for run in idle open200 open1000 wrk64; do
    log "PostgreSQL per message, $variant: $run, 15 s"
    sleep 2
    pg_statements_reset
    local before; before=$(pg_counters)
    case $run in
      idle) measured "pg-$variant-$run" -- sleep 15 ;;
      open*) measured "pg-$variant-$run" -- java $TOOL_JVM -cp "$CP" clinic.ingress.bench.OpenLoad 127.0.0.1 $APP_PORT "${run#open}" 15 \
        $TOKEN "$INSTANCE_LIST" "$PATIENTS" "pg$variant$run$(date +%s)" 0 0 > "$OUT/runs/pg-$variant-$run.json" ;;
      wrk64) wrk_script "$OUT/run.lua" "3$(date +%s)"
        measured "pg-$variant-$run" -- wrk -t2 -c64 -d15s --latency -s "$OUT/run.lua" "http://127.0.0.1:$APP_PORT" > "$OUT/runs/pg-$variant-$run.txt" ;;
    esac
    sleep 1
    echo "{\"before\": $before, \"after\": $(pg_counters), \"statements\": $(pg_statements)}" > "$OUT/runs/pg-$variant-$run.pg.json"
  done
  stop_app
}
if [ "${BENCH_SECTIONS:-all}" = postgres ]; then
  # PG_VARIANTS: "name=-Dopt,-Dopt name2=..." (default: the current build as configured)
  for spec in ${PG_VARIANTS:-current=}; do
    name=${spec%%=*}; opts=${spec#*=}
    # shellcheck disable=SC2086
    postgres_cost "$name" ${opts//,/ }
  done
  python3 tools/bench/bench_postgres.py "$OUT" | tee "$OUT/postgres.md"
  exit 0
fi
if [ "${BENCH_SECTIONS:-all}" = noisy ]; then
  fresh_database noisy
  PG_VIA=direct start_app noisy
  fill_memories
  wrk_script "$OUT/warm.lua" "1$(date +%s)"
  wrk -t2 -c64 -d30s -s "$OUT/warm.lua" "http://127.0.0.1:$APP_PORT" > /dev/null
  noisy_neighbour
  stop_app
  BENCH_BASELINE=$BASELINE python3 tools/bench/bench_report.py "$OUT"
  sed -n '/One noisy clinic/,/Target: the quiet/p' "$OUT/report.md"
  exit 0
fi
if [ "${BENCH_SECTIONS:-all}" = native ]; then
  [ -n "$NATIVE" ] || { log "BENCH_SECTIONS=native needs a native executable (scripts/native-check.sh, or NATIVE_RUNNER)"; exit 1; }
  fresh_database native
  rm -f "$OUT"/runs/*-ready.txt
  native_variant jvm target/quarkus-app/quarkus-run.jar
  # Serial GC's collections, printed, are how native allocation is counted (no allocation counter there).
  NATIVE_OPTS="$NATIVE_OPTS -XX:+PrintGC" native_variant native "$NATIVE"
  for spec in ${NATIVE_VARIANTS:-}; do
    opts=${spec#*=}
    NATIVE_OPTS="${opts//,/ } -XX:+PrintGC" native_variant "native-${spec%%=*}" "$NATIVE"
  done
  for spec in ${NATIVE_BUILDS:-}; do
    NATIVE_OPTS="$NATIVE_OPTS -XX:+PrintGC" native_variant "native-${spec%%=*}" "${spec#*=}"
  done
  NATIVE_OPTS="$NATIVE_OPTS" python3 tools/bench/native_report.py "$OUT" | tee "$OUT/native.md"
  exit 0
fi
profile() { # profile jvm|native: JFR or perf under wrk -c64, 30 s, after the same warm-up as the write path
  local mode=$1 load_pid
  wrk_script "$OUT/warm.lua" "1$mode$(date +%s)"
  wrk -t2 -c64 -d45s -s "$OUT/warm.lua" "http://127.0.0.1:$APP_PORT" > /dev/null
  wrk_script "$OUT/run.lua" "p$mode$(date +%s)"
  wrk -t2 -c64 -d30s --latency -s "$OUT/run.lua" "http://127.0.0.1:$APP_PORT" > "$OUT/runs/profile-$mode-wrk.txt" &
  load_pid=$!
  if [ "$mode" = jvm ]; then
    jcmd "$APP" JFR.start name=profile settings=profile filename="$PWD/$OUT/profile-jvm.jfr" > /dev/null
    wait "$load_pid"
    jcmd "$APP" JFR.stop name=profile > /dev/null
    python3 tools/bench/jfr_top.py "$OUT/profile-jvm.jfr" > "$OUT/profile-jvm.txt"
  else
    perf record -F 499 -g -p "$APP" -o "$OUT/profile-native.perf" -- sleep 28 > /dev/null 2>&1
    wait "$load_pid"
    perf report -i "$OUT/profile-native.perf" --no-children --sort symbol --stdio 2>/dev/null \
      | grep -v '^#' | grep '%' | head -60 > "$OUT/profile-native.txt"
    perf report -i "$OUT/profile-native.perf" --children --sort symbol --stdio -g none 2>/dev/null \
      | grep -v '^#' | grep '%' | grep -i 'clinic' | head -40 > "$OUT/profile-native-inclusive.txt"
  fi
  log "profile, $mode: $(grep 'Requests/sec' "$OUT/runs/profile-$mode-wrk.txt"), $OUT/profile-$mode.txt"
}
if [ "${BENCH_SECTIONS:-all}" = profile ]; then
  fresh_database profile
  # shellcheck disable=SC2086
  JAR=target/quarkus-app/quarkus-run.jar PG_VIA=direct start_app profile-jvm ${PROFILE_OPTS:-}
  fill_memories
  profile jvm
  stop_app
  if [ -n "$NATIVE" ]; then
    JAR=$NATIVE PG_VIA=direct start_app profile-native
    profile native
    stop_app
  fi
  exit 0
fi
if [ "${BENCH_SECTIONS:-all}" = retention ]; then
  fresh_database retention
  PG_VIA=direct start_app retention -Dingress.messages.retention=365d -Dingress.messages.retention-interval=5s
  fill_memories
  wrk_script "$OUT/warm.lua" "1$(date +%s)"
  wrk -t2 -c64 -d30s -s "$OUT/warm.lua" "http://127.0.0.1:$APP_PORT" > /dev/null
  retention
  stop_app
  exit 0
fi
if [ "${BENCH_SECTIONS:-all}" = edge ]; then
  fresh_database edge
  PG_VIA=direct start_app edge
  fill_memories
  wrk_script "$OUT/warm.lua" "1$(date +%s)"
  wrk -t2 -c64 -d30s -s "$OUT/warm.lua" "http://127.0.0.1:$APP_PORT" > /dev/null
  noisy_neighbour
  edge
  stop_app
  java -cp "$CP" org.openjdk.jmh.Main "BodyBenchmarks" -f 1 -wi 2 -w 1s -i 3 -r 2s -rf json -rff "$OUT/jmh-body.json" > "$OUT/jmh-body.txt" 2>&1
  BENCH_BASELINE=$BASELINE python3 tools/bench/bench_report.py "$OUT"
  sed -n '/One noisy clinic/,$p' "$OUT/report.md"
  exit 0
fi
write_path baseline "$BASE_DIR/target/quarkus-app/quarkus-run.jar"
write_path current target/quarkus-app/quarkus-run.jar
if [ -n "$NATIVE" ]; then
  write_path native "$NATIVE"
fi
PG_VIA=pgbouncer write_path pooled target/quarkus-app/quarkus-run.jar -Dingress.postgres.pooled=true
JAR=target/quarkus-app/quarkus-run.jar
[ "${BENCH_SECTIONS:-all}" = write ] && { BENCH_BASELINE=$BASELINE BENCH_PATIENTS=$PATIENTS BENCH_INSTANCES=$INSTANCES python3 tools/bench/bench_report.py "$OUT"; cat "$OUT/report.md"; exit 0; }

# ---- 2. the seed's table (current build; statements counted on the wire) ------------------------
fresh_database seed
log "before: caches off, mem0 waited for (lookup budget 10 s)"
start_app before -Dingress.clinic.cache-enabled=false -Dingress.cache.redis-enabled=false \
  -Dingress.memory.lookup-budget=10s -Dingress.memory.local-ttl=1s
s0=$(statements ""); w0=$(statements "INSERT INTO core.whatsapp_messages"); d0=$(statements "core.whatsapp_instances")
# Distinct new patients: every message is a cold lookup, as every message was for the seed's system.
load 10 4 40 before 9000000 0 > "$OUT/before.json"
sleep 1
s1=$(statements ""); w1=$(statements "INSERT INTO core.whatsapp_messages"); d1=$(statements "core.whatsapp_instances")
echo "{\"clinic_p50\": $(metric ingress_clinic_resolve 0.5), \"clinic_p99\": $(metric ingress_clinic_resolve 0.99),
  \"memory_p50\": $(metric ingress_memory_lookup 0.5), \"memory_p99\": $(metric ingress_memory_lookup 0.99),
  \"messages\": 40, \"statements\": $((s1 - s0)), \"writes\": $((w1 - w0)), \"directory\": $((d1 - d0))}" > "$OUT/before-internals.json"
stop_app

log "after: caches on; start-up warm-up of $INSTANCES instances"
start_app warm
echo "{\"ready_ms\": $READY_MS, \"rss_mb\": $(rss_mb)}" > "$OUT/startup-cold.json"
fill_memories
stop_app
# Restart: the directory is warmed from PostgreSQL and the recently active patients' memories are
# prefetched from Redis before readiness, so the first measured message is already warm.
start_app after
echo "{\"ready_ms\": $READY_MS, \"rss_mb\": $(rss_mb), \"warmup_log\": \"$(grep -o 'clinic directory warm: [0-9]* instances in [0-9]* ms' "$OUT/app-after.log" | tail -n 1)\", \"prefetch_log\": \"$(grep -o 'prefetched memories of [0-9]* recently active patients in [0-9]* ms' "$OUT/app-after.log" | tail -n 1)\"}" > "$OUT/startup.json"

log "stampede: 200 concurrent first messages of one patient"
load 200 1 1 stampede 8000000 0 > "$OUT/stampede.json"
sleep 8
# Only this patient's searches count (551198000000: patient 8000000 of OpenLoad's numbering).
echo "{\"messages\": 200, \"mem0_searches\": $(mem0_searches 551198000000)}" > "$OUT/stampede-mem0.json"

log "after: warm path, 200 messages/s for 10 s"
searches0=$(mem0_searches)
s0=$(statements ""); w0=$(statements "INSERT INTO core.whatsapp_messages"); d0=$(statements "core.whatsapp_instances")
load 200 10 "$PATIENTS" after 0 3 > "$OUT/after.json"
sleep 1
s1=$(statements ""); w1=$(statements "INSERT INTO core.whatsapp_messages"); d1=$(statements "core.whatsapp_instances")
echo "{\"clinic_p50\": $(metric ingress_clinic_resolve 0.5), \"clinic_p99\": $(metric ingress_clinic_resolve 0.99),
  \"memory_p50\": $(metric ingress_memory_lookup 0.5), \"memory_p99\": $(metric ingress_memory_lookup 0.99),
  \"messages\": 2600, \"statements\": $((s1 - s0)), \"writes\": $((w1 - w0)), \"directory\": $((d1 - d0)),
  \"mem0_searches\": $(( $(mem0_searches) - searches0 ))}" > "$OUT/after-internals.json"
stop_app

log "edge: reconnect bursts, stalled uploads, expensive bodies"
PG_VIA=direct start_app edge
edge
stop_app

log "media bodies: 16 concurrent 12 MiB webhooks (tools/bench/media-burst.sh)"
tools/bench/media-burst.sh > "$OUT/media-burst.txt" 2>&1 || log "media burst failed: $OUT/media-burst.txt"

# ---- 4. JMH -------------------------------------------------------------------------------------
log "JMH: local tier and codec"
java -cp "$CP" org.openjdk.jmh.Main "CacheBenchmarks|SealBenchmarks|BodyBenchmarks" -f 1 -wi 2 -w 1s -i 3 -r 2s -rf json -rff "$OUT/jmh.json" > "$OUT/jmh.txt" 2>&1

log "report"
BENCH_BASELINE=$BASELINE BENCH_PATIENTS=$PATIENTS BENCH_INSTANCES=$INSTANCES python3 tools/bench/bench_report.py "$OUT"
cat "$OUT/report.md"

# ---- 5. dashboard and alerts against a real Prometheus (too long for the CI suite) ---------------
log "dashboard and alert expressions against a real Prometheus"
tools/observability/check-observability.sh | tee "$OUT/observability.md"
