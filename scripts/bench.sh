#!/usr/bin/env bash
# Benchmarks clinic-ingress against the seed's before/after table and its own targets.
#
#   scripts/bench.sh            (after scripts/test.sh on a fresh machine; ~10 minutes)
#
# Starts PostgreSQL and Redis (scripts/services.sh), a mem0 STAND-IN (WireMock, lognormal delay,
# median 5 s, p99 past 6 s, like the seed's mem0), a wire-level statement-counting proxy in front of
# PostgreSQL, and the packaged service (prod profile, its own database clinic_ingress_bench and
# Redis DB 3), then measures:
#   1. the seed's table: caches off (rollback switches, mem0 waited for) versus on and warm
#   2. maximum warm-path throughput (wrk, unique message ids) against a trivial endpoint
#   3. latency at fixed offered rates, open model, corrected for coordinated omission (OpenLoad)
#   4. a stampede: N concurrent first messages of one patient, and the mem0 calls they caused
#   5. JMH: the local tier and the codec (gzip, AES-GCM), per operation
#   6. start-up: time to ready with 10,000 instances, RSS after warm-up and under load
# Writes target/bench/report.md, results.json and latency.svg. Leaves nothing running.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=target/bench
APP_PORT=${BENCH_APP_PORT:-8089}
MEM0_PORT=${BENCH_MEM0_PORT:-8092}
DB=clinic_ingress_bench
REDIS_DB=3
INSTANCES=${BENCH_INSTANCES:-10000}
PATIENTS=${BENCH_PATIENTS:-100}
TOKEN=bench-webhook-token
export PGPASSWORD=${PGPASSWORD:-postgres} PGHOST=127.0.0.1 PGUSER=postgres

mkdir -p "$OUT" && rm -f "$OUT"/*.json "$OUT"/*.log "$OUT"/*.txt "$OUT"/*.md "$OUT"/*.svg
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---- tools and services -----------------------------------------------------------------------
command -v wrk >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v python3 >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq python3 >/dev/null; }
scripts/services.sh start >/dev/null 2>&1
psql -qX -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
# Redis DB 3 belongs to the benchmark alone (dev uses 1, tests 2).
redis-cli -n $REDIS_DB FLUSHDB >/dev/null

log "building the service and the benchmark tools"
./mvnw -B -q package -DskipTests
./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
CP="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"

# ---- mem0 stand-in (median 5 s, lognormal: p99 ~ 5 s * e^(2.33*0.15) ~ 7 s) -------------------
pids+=("$(MEM0_STANDIN_PORT=$MEM0_PORT scripts/mem0-standin.sh)")
curl -fs -X POST "http://127.0.0.1:$MEM0_PORT/__admin/mappings" -H 'Content-Type: application/json' -d '{
  "priority": 1, "request": {"method": "POST", "urlPath": "/v3/memories/search/"},
  "response": {"status": 200, "headers": {"Content-Type": "application/json"},
    "delayDistribution": {"type": "lognormal", "median": 5000, "sigma": 0.15},
    "jsonBody": {"results": [{"id": "00000000-0000-4000-8000-000000000001", "memory": "STAND-IN memory", "score": 0.7}]}}}' >/dev/null
mem0_searches() { # mem0_searches [PHONE]: searches so far, all or for one patient (by its pseudonym)
  local filter=""
  if [ -n "${1:-}" ]; then
    local user
    user=p_$(python3 -c 'import hmac,hashlib,sys; print(hmac.new(b"bench-key-secret", sys.argv[1].encode(), hashlib.sha256).hexdigest())' \
      "0a7c8e52-1f7e-4a3b-9c55-3d1b2e4f6a01:$1")
    filter=", \"bodyPatterns\": [{\"matchesJsonPath\": \"\$[?(@.filters.user_id == '$user')]\"}]"
  fi
  curl -fs -X POST "http://127.0.0.1:$MEM0_PORT/__admin/requests/count" -H 'Content-Type: application/json' \
    -d "{\"method\": \"POST\", \"urlPath\": \"/v3/memories/search/\"$filter}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])'
}

# ---- statement-counting proxy in front of PostgreSQL ------------------------------------------
java -cp "$CP" clinic.ingress.bench.CountingPostgresProxy "$OUT/pg-statements.json" > "$OUT/proxy-port.txt" 2>"$OUT/proxy.log" &
pids+=($!)
for _ in $(seq 1 50); do [ -s "$OUT/proxy-port.txt" ] && break; sleep 0.2; done
PG_PROXY_PORT=$(head -n 1 "$OUT/proxy-port.txt")
statements() { # statements so far whose SQL contains $1 ("" = all)
  python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(sum(n for s,n in c.items() if sys.argv[2] in s))' \
    "$OUT/pg-statements.json" "$1"
}

# ---- the service ------------------------------------------------------------------------------
APP=""
start_app() { # start_app NAME [extra -D options]; PG_VIA=proxy (count statements) or direct
  local name=$1; shift
  local pg_port=$PG_PROXY_PORT
  [ "${PG_VIA:-proxy}" = direct ] && pg_port=5432
  local t0; t0=$(date +%s%N)
  DATABASE_REACTIVE_URL="postgresql://127.0.0.1:$pg_port/$DB" \
  DATABASE_JDBC_URL="jdbc:postgresql://127.0.0.1:5432/$DB" DATABASE_USERNAME=postgres DATABASE_PASSWORD="$PGPASSWORD" \
  REDIS_URL="redis://127.0.0.1:6379/$REDIS_DB" INGRESS_WEBHOOK_TOKEN=$TOKEN INGRESS_CACHE_KEY_SECRET=bench-key-secret \
  INGRESS_ADMIN_TOKEN=bench-admin-token INGRESS_MEM0_BASE_URL="http://127.0.0.1:$MEM0_PORT" \
    java -Xmx512m -Dquarkus.http.port=$APP_PORT -Dquarkus.log.console.json.enabled=false "$@" \
      -jar target/quarkus-app/quarkus-run.jar > "$OUT/app-$name.log" 2>&1 &
  APP=$!
  pids+=("$APP")
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$APP_PORT/q/health/ready" >/dev/null 2>&1 && break
    kill -0 "$APP" 2>/dev/null || { log "the service did not start: $OUT/app-$name.log"; exit 1; }
    sleep 0.1
  done
  READY_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
}
stop_app() { kill "$APP" 2>/dev/null || true; wait "$APP" 2>/dev/null || true; }
rss_mb() { awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$APP/status"; }
metric() { # metric NAME QUANTILE -> milliseconds
  curl -fs "http://127.0.0.1:$APP_PORT/q/metrics" | awk -v n="$1" -v q="$2" \
    '$0 ~ "^"n"_seconds\\{.*quantile=\""q"\"" {printf "%.3f", $2 * 1000; found=1} END {if (!found) printf "null"}'
}
load() { # load RATE SECONDS PATIENTS RUN [FIRST_PATIENT [WARMUP_SECONDS]] -> JSON line
  java -cp "$CP" clinic.ingress.bench.OpenLoad 127.0.0.1 $APP_PORT "$1" "$2" $TOKEN "$INSTANCE_LIST" "$3" "$4" "${5:-0}" "${6:-3}"
}

log "seeding the directory: $INSTANCES instances"
start_app schema -Dingress.warmup.enabled=false
stop_app
psql -qX -d "$DB" <<SQL
INSERT INTO core.organizations (id, name) VALUES ('0a7c8e52-1f7e-4a3b-9c55-3d1b2e4f6a01', 'Bench Org');
INSERT INTO healthcare.clinics (id, organization_id, name, whatsapp_number)
SELECT md5('clinic' || g)::uuid, '0a7c8e52-1f7e-4a3b-9c55-3d1b2e4f6a01', 'Bench Clinic ' || g, '55110000' || lpad(g::text, 5, '0')
FROM generate_series(1, $INSTANCES) g;
INSERT INTO core.whatsapp_instances (instance_name, clinic_id, organization_id)
SELECT 'bench-' || g, md5('clinic' || g)::uuid, '0a7c8e52-1f7e-4a3b-9c55-3d1b2e4f6a01' FROM generate_series(1, $INSTANCES) g;
SQL
INSTANCE_LIST=$(seq -s, -f 'bench-%g' 1 20)

# ---- 1a. before: caches off (rollback switches), every message waits for mem0 -----------------
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

# ---- 6. start-up with the whole directory, and filling the memory cache -------------------------
log "after: caches on; start-up warm-up of $INSTANCES instances"
start_app warm
echo "{\"ready_ms\": $READY_MS, \"rss_mb\": $(rss_mb)}" > "$OUT/startup-cold.json"
# Every bench patient writes once: their memories are fetched (5 s each, in the background, at most
# 32 at a time: the mem0 bulkhead). Wait until all of them are cached.
load 20 5 $PATIENTS fill 0 0 > "$OUT/fill.json"
for _ in $(seq 1 120); do
  cached=$(redis-cli -n $REDIS_DB --scan --pattern 'mem0:v1:*' | wc -l)
  [ "$cached" -ge "$PATIENTS" ] && break
  sleep 1
done
log "memories cached: $cached of $PATIENTS patients"
stop_app
# Restart: the directory is warmed from PostgreSQL and the recently active patients' memories are
# prefetched from Redis before readiness, so the first measured message is already warm.
start_app after
echo "{\"ready_ms\": $READY_MS, \"rss_mb\": $(rss_mb), \"warmup_log\": \"$(grep -o 'clinic directory warm: [0-9]* instances in [0-9]* ms' "$OUT/app-after.log" | tail -n 1)\", \"prefetch_log\": \"$(grep -o 'prefetched memories of [0-9]* recently active patients in [0-9]* ms' "$OUT/app-after.log" | tail -n 1)\"}" > "$OUT/startup.json"

# ---- 4. stampede: N concurrent first messages of one new patient ---------------------------------
log "stampede: 200 concurrent first messages of one patient"
load 200 1 1 stampede 8000000 0 > "$OUT/stampede.json"
sleep 8
# Only this patient's searches count (551198000000: patient 8000000 of OpenLoad's numbering).
echo "{\"messages\": 200, \"mem0_searches\": $(mem0_searches 551198000000)}" > "$OUT/stampede-mem0.json"
# ---- 1b. after: warm caches ---------------------------------------------------------------------
log "after: warm path, 200 messages/s for 10 s"
searches0=$(mem0_searches)
s0=$(statements ""); w0=$(statements "INSERT INTO core.whatsapp_messages"); d0=$(statements "core.whatsapp_instances")
load 200 10 $PATIENTS after 0 3 > "$OUT/after.json"
sleep 1
s1=$(statements ""); w1=$(statements "INSERT INTO core.whatsapp_messages"); d1=$(statements "core.whatsapp_instances")
echo "{\"clinic_p50\": $(metric ingress_clinic_resolve 0.5), \"clinic_p99\": $(metric ingress_clinic_resolve 0.99),
  \"memory_p50\": $(metric ingress_memory_lookup 0.5), \"memory_p99\": $(metric ingress_memory_lookup 0.99),
  \"messages\": 2600, \"statements\": $((s1 - s0)), \"writes\": $((w1 - w0)), \"directory\": $((d1 - d0)),
  \"mem0_searches\": $(( $(mem0_searches) - searches0 ))}" > "$OUT/after-internals.json"

# The statement counts are taken; the throughput and latency runs go straight to PostgreSQL, so the
# counting proxy's cost is not in them.
stop_app
PG_VIA=direct start_app direct

# ---- 3. fixed offered rates, open model ---------------------------------------------------------
for rate in 200 1000 2000; do
  log "open model: $rate messages/s for 15 s"
  if [ "$rate" = 1000 ]; then
    ( sleep 10; echo "{\"rss_mb_under_load\": $(rss_mb)}" > "$OUT/rss-load.json" ) &
  fi
  load "$rate" 15 $PATIENTS "rate$rate" > "$OUT/rate-$rate.json"
  sleep 2
done

# ---- 2. maximum throughput (wrk, closed model) against a trivial endpoint of the same service ---
log "maximum throughput: wrk on the webhook and on GET /q/health/live"
cat > "$OUT/webhook.lua" <<'LUA'
-- Every request a new message id (thread id + counter), 20 instances, $PATIENTS warm patients.
local counter = 0
local thread_id = 0
local threads = {}
function setup(thread) thread:set("id", #threads); table.insert(threads, thread) end
function init(args) thread_id = id; math.randomseed(os.time() + id) end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Webhook-Token"] = "bench-webhook-token"
function request()
  counter = counter + 1
  local patient = counter % PATIENTS
  local body = string.format('{"event":"messages.upsert","instance":"bench-%d","data":{"key":{"remoteJid":"55119%07d@s.whatsapp.net","fromMe":false,"id":"wrk-%d-%d-%d"},"message":{"conversation":"bench message"},"messageType":"conversation","messageTimestamp":%d}}',
    1 + counter % 20, patient, RUN, thread_id, counter, os.time())
  return wrk.format(nil, "/webhooks/evolution", nil, body)
end
LUA
sed -i "s/PATIENTS/$PATIENTS/; s/RUN/$(date +%s)/" "$OUT/webhook.lua"
wrk -t2 -c32 -d15s --latency -s "$OUT/webhook.lua" "http://127.0.0.1:$APP_PORT" > "$OUT/wrk-webhook.txt"
wrk -t2 -c32 -d15s --latency "http://127.0.0.1:$APP_PORT/q/health/live" > "$OUT/wrk-trivial.txt"

stop_app

# ---- 5. JMH -------------------------------------------------------------------------------------
log "JMH: local tier and codec"
java -cp "$CP" org.openjdk.jmh.Main CacheBenchmarks -f 1 -wi 2 -w 1s -i 3 -r 2s -rf json -rff "$OUT/jmh.json" > "$OUT/jmh.txt" 2>&1

log "report"
python3 scripts/bench_report.py "$OUT"
cat "$OUT/report.md"
