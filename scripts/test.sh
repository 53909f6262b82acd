#!/usr/bin/env bash
# The test command: services, squawk on migrations/, promtool on the alert rules, the whole suite
# (unit, @QuarkusTest and @QuarkusIntegrationTest against the packaged jar), then the native-sources
# build so native build steps are checked without GraalVM.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/services.sh start
# The pooler cases (PooledPostgresTest and friends) go through a real PgBouncer in transaction mode.
scripts/services.sh pgbouncer start
# The contract test (AssistantConsumerIT) runs the reference consumer, examples/assistant-consumer,
# with Debian's Python and its Redis and cryptography packages.
tools/ci/consumer-deps.sh
# The test database is the tests' own: recreated every run, so each run starts from migrations
# applied to an empty database, exactly as on a fresh machine. WITH (FORCE) ends the connections a
# crashed earlier run left open. The name is fixed (application.properties, read by the packaged-jar
# tests and the Replica helper too), so two suites at once against one server would drop each
# other's database: run one at a time per PostgreSQL server.
PGPASSWORD=${PGPASSWORD:-postgres} psql -h 127.0.0.1 -U postgres -d postgres -qX \
  -c "DROP DATABASE IF EXISTS clinic_ingress_test WITH (FORCE)" -c "CREATE DATABASE clinic_ingress_test"
tools/ci/lint-migrations.sh
tools/ci/check-alerts.sh
./mvnw -B verify "$@"
# Native build steps (reflection registration, build-time init) run here; the compile itself needs
# Mandrel and runs in Dockerfile.native where Docker exists.
./mvnw -B -q package -DskipTests -Dquarkus.native.enabled=true -Dquarkus.native.sources-only=true \
  -Dquarkus.package.jar.enabled=false
echo "native-sources: OK ($(ls target/native-sources 2>/dev/null | wc -l) files in target/native-sources)"
