#!/usr/bin/env bash
# The native executable, checked as the product it is: built with a real GraalVM or Mandrel, the
# black-box suite (*IT) run against it, and its figures printed:
#   size, build time, time to ready with 10,000 instances in the directory, RSS idle, RSS under load
#   (wrk, 32 connections, 15 s) and its peak under 16 concurrent 12 MiB media webhooks.
#
#   GRAALVM_HOME=/path/to/graalvm-or-mandrel scripts/native-check.sh
#   scripts/native-check.sh                     (native-image on the PATH)
#   SKIP_BUILD=1 scripts/native-check.sh        (reuse target/*-runner)
#   SKIP_ITS=1 scripts/native-check.sh          (figures only)
#
# Not in CI: no registry these machines reach carries a GraalVM or Mandrel (docs/testing.md). Needs
# about 6 GiB for the builder (NATIVE_IMAGE_XMX, default 10g) and 5-10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export PGPASSWORD=${PGPASSWORD:-postgres}
OUT=target/native-check
mkdir -p "$OUT"
log() { printf '[native-check %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

graalvm=()
if [ -n "${GRAALVM_HOME:-}" ]; then
  [ -x "$GRAALVM_HOME/bin/native-image" ] || { log "no native-image in GRAALVM_HOME=$GRAALVM_HOME"; exit 1; }
  graalvm=(-Dquarkus.native.graalvm-home="$GRAALVM_HOME")
elif ! command -v native-image >/dev/null 2>&1; then
  log "needs GraalVM or Mandrel: set GRAALVM_HOME, or put native-image on the PATH"
  exit 1
fi
native=(-Dnative -Dquarkus.native.container-build=false -Dquarkus.native.native-image-xmx="${NATIVE_IMAGE_XMX:-10g}"
  "${graalvm[@]}")
export MAVEN_OPTS=${MAVEN_OPTS:--Xmx2g}

scripts/services.sh start >/dev/null 2>&1
scripts/services.sh pgbouncer start >/dev/null 2>&1
# The *IT suite includes the contract test, which runs the Python reference consumer.
tools/ci/consumer-deps.sh

# ---- build --------------------------------------------------------------------------------------
build_s="(reused)"
if [ -z "${SKIP_BUILD:-}" ]; then
  log "building the native executable"
  t0=$(date +%s)
  ./mvnw -B -q package -DskipTests "${native[@]}" > "$OUT/build.log" 2>&1 \
    || { tail -n 40 "$OUT/build.log"; log "build failed: $OUT/build.log"; exit 1; }
  build_s="$(( $(date +%s) - t0 )) s"
fi
runner=$(ls target/*-runner 2>/dev/null | head -n 1)
[ -n "$runner" ] || { log "no target/*-runner"; exit 1; }
size_mb=$(du -m "$runner" | cut -f1)

# ---- the black-box suite against the executable -------------------------------------------------
its="skipped"
if [ -z "${SKIP_ITS:-}" ]; then
  log "*IT against the native executable"
  psql -h 127.0.0.1 -U postgres -d postgres -qX \
    -c "DROP DATABASE IF EXISTS clinic_ingress_test WITH (FORCE)" -c "CREATE DATABASE clinic_ingress_test"
  if ./mvnw -B verify "${native[@]}" -Dquarkus.native.reuse-existing=true -Dtest=none \
      -Dsurefire.failIfNoSpecifiedTests=false > "$OUT/its.log" 2>&1; then
    its="passed: $(grep -E 'Tests run: [0-9]+, Failures: 0, Errors: 0' "$OUT/its.log" | tail -n 1 | sed 's/^\[INFO\] //')"
  else
    grep -E 'Tests run:|FAIL' "$OUT/its.log" | tail -n 20 >&2
    log "*IT failed against the native executable: $OUT/its.log"
    exit 1
  fi
fi

# ---- start-up with 10,000 instances, RSS idle and under load ------------------------------------
DB=clinic_ingress_bench
log "time to ready with 10,000 instances"
psql -h 127.0.0.1 -U postgres -d postgres -qX -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
redis-cli -n 3 FLUSHDB >/dev/null
# The run-time options the image ships with (Dockerfile.native's CMD), unless NATIVE_OPTS says otherwise:
# the figures are the product's as deployed.
NATIVE_OPTS=${NATIVE_OPTS-$(tools/lib/native-options.sh)}
export NATIVE_OPTS
run() { # run NAME [options]: the executable in the prod profile against the bench database
  local name=$1; shift
  DATABASE_REACTIVE_URL="postgresql://127.0.0.1:5432/$DB" DATABASE_JDBC_URL="jdbc:postgresql://127.0.0.1:5432/$DB" \
  DATABASE_USERNAME=postgres DATABASE_PASSWORD="$PGPASSWORD" REDIS_URL=redis://127.0.0.1:6379/3 \
  INGRESS_WEBHOOK_TOKEN=bench-webhook-token-0123456789abcdef0123 INGRESS_CACHE_KEY_SECRET=bench-cache-key-secret-0123456789abcdef \
  INGRESS_CACHE_ENCRYPTION_KEY=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY= INGRESS_DISPATCH_SEAL_KEY=c2VhbC1rZXktZm9yLWJlbmNobWFya3MtMDEyMzQ1Njc= \
    "$runner" $NATIVE_OPTS -Dquarkus.http.port=8089 -Dquarkus.management.port=9089 -Dquarkus.log.console.json.enabled=false "$@" \
    > "$OUT/$name.log" 2>&1 &
  app=$!
}
ready() {
  local t0; t0=$(date +%s%N)
  for _ in $(seq 1 600); do
    curl -fs http://127.0.0.1:9089/q/health/ready >/dev/null 2>&1 && break
    kill -0 "$app" 2>/dev/null || { log "the executable stopped: $OUT/$1.log"; exit 1; }
    sleep 0.02
  done
  echo $(( ($(date +%s%N) - t0) / 1000000 ))
}
rss() { awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$app/status"; }
stop() { kill "$app" 2>/dev/null || true; wait "$app" 2>/dev/null || true; }
trap stop EXIT

run schema -Dingress.warmup.enabled=false
ready schema >/dev/null
stop
psql -h 127.0.0.1 -U postgres -d "$DB" -qX -v instances=10000 -f tools/bench/bench-directory.sql
run ready
ready_ms=$(ready ready)
started=$(grep -o 'started in [0-9.]*s' "$OUT/ready.log" | head -n 1)
sleep 2
rss_idle=$(rss)
log "under load: wrk -c32, 15 s"
command -v wrk >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
sed "s/PATIENTS/100/; s/SENDERS/200/; s/RUN/native$(date +%s)/" tools/bench/post-messages.lua > "$OUT/load.lua"
peak_load=0
wrk -t2 -c32 -d15s -s "$OUT/load.lua" http://127.0.0.1:8089 > "$OUT/wrk.txt" &
load=$!
while kill -0 "$load" 2>/dev/null; do
  now=$(rss); [ "$now" -gt "$peak_load" ] && peak_load=$now
  sleep 0.2
done
wait "$load" || true
rss_load=$(rss)
stop
trap - EXIT

# ---- media burst ---------------------------------------------------------------------------------
log "16 concurrent 12 MiB media webhooks"
burst=$(NATIVE_RUNNER="$runner" tools/bench/media-burst.sh | tail -n 2)

cat <<REPORT | tee "$OUT/report.txt"
native executable: $runner
  run-time options              ${NATIVE_OPTS:-(none)} (Dockerfile.native CMD)
  size                          $size_mb MB
  build time                    $build_s
  *IT against it                $its
  ready with 10,000 instances   $ready_ms ms from launch to /q/health/ready 200 ($started)
  RSS idle                      $rss_idle MiB
  RSS under load                $rss_load MiB at the end, $peak_load MiB peak ($(grep -o 'Requests/sec: *[0-9.]*' "$OUT/wrk.txt"), wrk -c32, 15 s)
  media burst                   $(echo "$burst" | tr '\n' ' ')
REPORT
