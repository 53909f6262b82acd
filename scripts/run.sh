#!/usr/bin/env bash
# Runs clinic-ingress locally, in the foreground, against local PostgreSQL and Redis:
# services, build, a local mem0 STAND-IN (WireMock with canned answers, not mem0), the demo clinic
# directory (one organization, two clinics, two instances), then the packaged service with the dev
# profile. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
export PGPASSWORD=${PGPASSWORD:-postgres}

scripts/services.sh start
./mvnw -B -q package -DskipTests

standin=$(scripts/mem0-standin.sh)
INGRESS_MEM0_BASE_URL=${INGRESS_MEM0_BASE_URL:-http://127.0.0.1:${MEM0_STANDIN_PORT:-8091}} \
  java -Dquarkus.profile=dev ${JAVA_OPTS:-} -jar target/quarkus-app/quarkus-run.jar &
app=$!
trap 'kill $app $standin 2>/dev/null; wait $app 2>/dev/null' INT TERM EXIT

# Flyway has created the schema once the service reports started; then the demo directory goes in.
for _ in $(seq 1 120); do
  curl -fs http://127.0.0.1:9000/q/health/started >/dev/null 2>&1 && break
  kill -0 $app 2>/dev/null || { echo "the service did not start" >&2; exit 1; }
  sleep 0.5
done
psql -h 127.0.0.1 -U postgres -d clinic_ingress -q -f scripts/demo/clinic-directory.sql

cat <<'MSG'

clinic-ingress is running on http://127.0.0.1:8080 (dev profile, demo clinic directory loaded)
mem0 is a local STAND-IN on http://127.0.0.1:8091 (WireMock, canned answers, ~800 ms): the first
message of a patient answers memory "none" within the 300 ms budget, the next ones "cached".
  send a sample message:   scripts/send-sample.sh      (run it twice: accepted, then duplicate)
  read the turn stream:    redis-cli -n 1 XRANGE ingress:turns - +
  health:                  curl http://127.0.0.1:9000/q/health/ready    (management port)
  metrics:                 curl http://127.0.0.1:9000/q/metrics
  OpenAPI:                 curl http://127.0.0.1:9000/q/openapi
  give an instance its own webhook secret:   scripts/instance-secret.sh demo-clinic-1
Ctrl-C stops the service.

MSG
wait $app
