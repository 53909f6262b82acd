#!/usr/bin/env bash
# Checks the dashboard and the alert rules against real data: the packaged service (dev profile,
# local PostgreSQL and Redis, the bench mem0 STAND-IN, not mem0) under 60 s of load (30 s of it with
# the stand-in answering 500, so the mem0 circuit and write-behind panels have something to show),
# scraped every 2 s by a real Prometheus that also evaluates alerts.yml. Then every panel query of
# src/main/observability/grafana/clinic-ingress.json and every alert expression (its comparison
# removed) must return data, and every rule must evaluate without error. Then draws the panels from
# the scraped series (docs/operations/dashboard.png) for docs/operations.md.
#
#   tools/observability/check-observability.sh          about 2 minutes
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=target/observability
APP_PORT=18090
MGMT_PORT=19090
MEM0_PORT=58092
PROM_PORT=59090
rm -rf "$OUT" && mkdir -p "$OUT"
log() { printf '[observability %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT INT TERM

scripts/services.sh start >/dev/null 2>&1
command -v prometheus >/dev/null || tools/ci/check-alerts.sh >/dev/null   # installs the prometheus package
log "building the service and the load tools"
./mvnw -B -q package -DskipTests
./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
CP="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"

java -XX:TieredStopAtLevel=1 -Xmx256m -cp "$CP" clinic.ingress.bench.Mem0StandIn $MEM0_PORT 300 100 0.3 > "$OUT/standin.log" 2>&1 &
pids+=($!)
INGRESS_MEM0_BASE_URL="http://127.0.0.1:$MEM0_PORT" INGRESS_MEM0_API_KEY=standin \
  java -Dquarkus.profile=dev -Dquarkus.http.port=$APP_PORT -Dquarkus.management.port=$MGMT_PORT \
  -jar target/quarkus-app/quarkus-run.jar > "$OUT/service.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$MGMT_PORT/q/health/started" >/dev/null 2>&1 && break; sleep 0.5; done
PGPASSWORD=${PGPASSWORD:-postgres} psql -h 127.0.0.1 -U postgres -d clinic_ingress -q -f scripts/demo/clinic-directory.sql
for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$MGMT_PORT/q/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done

cat > "$OUT/prometheus.yml" <<YML
global: {scrape_interval: 2s, evaluation_interval: 2s}
rule_files: [$(pwd)/src/main/observability/alerts.yml]
scrape_configs:
  - job_name: clinic-ingress
    metrics_path: /q/metrics
    static_configs: [{targets: ["127.0.0.1:$MGMT_PORT"]}]
YML
prometheus --config.file="$OUT/prometheus.yml" --storage.tsdb.path="$OUT/tsdb" \
  --web.listen-address=127.0.0.1:$PROM_PORT > "$OUT/prometheus.log" 2>&1 &
pids+=($!)

log "load: 50 msg/s for 60 s; mem0 stand-in answering 500 from 20 s to 50 s"
start=$(date +%s)
java -Xmx256m -cp "$CP" clinic.ingress.bench.ChaosLoad 50 60 "${INGRESS_WEBHOOK_TOKEN:-dev-webhook-token}" \
  clinica-sorriso-centro,clinica-sorriso-norte $APP_PORT "$OUT/load.csv" > "$OUT/load.log" 2>&1 &
load=$!
sleep 20; curl -fs -X POST "http://127.0.0.1:$MEM0_PORT/__mode?mode=500"
sleep 30; curl -fs -X POST "http://127.0.0.1:$MEM0_PORT/__mode?mode=ok"
wait $load || true
sleep 10
python3 tools/observability/observability_check.py "http://127.0.0.1:$PROM_PORT" "$start" "$(date +%s)"
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null \
  || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-matplotlib >/dev/null
/usr/bin/python3 tools/observability/plot_panels.py
