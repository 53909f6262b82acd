#!/usr/bin/env bash
# Runs clinic-ingress locally, in the foreground, against local PostgreSQL and Redis:
# services, build, a local mem0 STAND-IN (WireMock with canned answers, not mem0), the demo clinic
# directory (one organization, two clinics, two instances), then the packaged service with the dev
# profile. Ctrl-C (or SIGTERM, e.g. when started in the background) stops everything it started.
#
# Environment: HTTP_PORT (8080), MANAGEMENT_PORT (9000), MEM0_STANDIN_PORT (8091),
# INGRESS_MEM0_BASE_URL (a real mem0 instead of the stand-in).
set -euo pipefail
cd "$(dirname "$0")/.."
export PGPASSWORD=${PGPASSWORD:-postgres}
HTTP_PORT=${HTTP_PORT:-8080}
MANAGEMENT_PORT=${MANAGEMENT_PORT:-9000}
say() { printf '[run] %s\n' "$*" >&2; }

say "PostgreSQL and Redis: reusing what answers on :5432 / :6379, installing otherwise"
scripts/services.sh start
say "building the service (first build downloads dependencies: a few minutes; then about 30 s)"
./mvnw -B -q package -DskipTests

standin=""
if [ -z "${INGRESS_MEM0_BASE_URL:-}" ]; then
  say "starting the mem0 STAND-IN (WireMock, canned answers) on :${MEM0_STANDIN_PORT:-8091}"
  standin=$(scripts/mem0-standin.sh)
fi
say "starting clinic-ingress (dev profile) on :$HTTP_PORT, management on :$MANAGEMENT_PORT"
INGRESS_MEM0_BASE_URL=${INGRESS_MEM0_BASE_URL:-http://127.0.0.1:${MEM0_STANDIN_PORT:-8091}} \
  java -Dquarkus.profile=dev -Dquarkus.http.port="$HTTP_PORT" -Dquarkus.management.port="$MANAGEMENT_PORT" \
  ${JAVA_OPTS:-} -jar target/quarkus-app/quarkus-run.jar &
app=$!
stop() { kill $app $standin 2>/dev/null || true; wait $app 2>/dev/null || true; }
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Flyway has created the schema once the service reports started; then the demo directory goes in,
# and the warm-up runs again so readiness counts the demo clinics.
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$MANAGEMENT_PORT/q/health/started" >/dev/null 2>&1 && break
  kill -0 $app 2>/dev/null || { say "the service did not start"; exit 1; }
  sleep 0.5
done
psql -h 127.0.0.1 -U postgres -d clinic_ingress -q -f scripts/demo/clinic-directory.sql
curl -fs -X POST -H "Authorization: Bearer ${INGRESS_ADMIN_TOKEN:-dev-admin-token}" \
  "http://127.0.0.1:$MANAGEMENT_PORT/admin/warmup/all" >/dev/null || say "warm-up after loading the demo directory failed"

cat <<MSG

clinic-ingress is running on http://127.0.0.1:$HTTP_PORT (dev profile, demo clinic directory loaded)
mem0 is a local STAND-IN on http://127.0.0.1:${MEM0_STANDIN_PORT:-8091} (WireMock, canned answers, ~800 ms)
unless INGRESS_MEM0_BASE_URL points elsewhere: a patient's first message answers memory "none"
within the 300 ms budget, the next ones "cached".
  credentials (dev only):  webhook X-Webhook-Token: dev-webhook-token; admin Bearer dev-admin-token
  send a sample message:   scripts/send-sample.sh      (sends it twice: accepted, then duplicate)
  read the turn stream:    redis-cli -n 1 XRANGE ingress:turns - +
  health:                  curl http://127.0.0.1:$MANAGEMENT_PORT/q/health/ready    (management port)
  metrics:                 curl http://127.0.0.1:$MANAGEMENT_PORT/q/metrics
  OpenAPI:                 curl http://127.0.0.1:$MANAGEMENT_PORT/q/openapi
  admin (management port): curl -H 'Authorization: Bearer dev-admin-token' http://127.0.0.1:$MANAGEMENT_PORT/admin/audit
  give an instance its own webhook secret:   scripts/instance-secret.sh clinica-sorriso-centro
      then send as it with that secret:       INGRESS_WEBHOOK_TOKEN=<the secret it printed> scripts/send-sample.sh
      (with its own secret, the instance no longer accepts the global dev token: 401)
Ctrl-C stops everything.

MSG
wait $app
