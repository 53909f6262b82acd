#!/usr/bin/env bash
# Migrations as their own step, as the schema owner: what the Kubernetes Job (migrate-job.yml) and
# Fly's release_command run, from a workstation or a CI job.
#
#   DATABASE_JDBC_URL=jdbc:postgresql://db.example:5432/clinic_ingress?sslmode=verify-full \
#   DATABASE_MIGRATION_USERNAME=clinic_ingress_owner DATABASE_MIGRATION_PASSWORD=... \
#   DATABASE_USERNAME=clinic_ingress_app scripts/migrate.sh
#
# DATABASE_USERNAME is the service's role: the after-migrate callback grants it DML on the tables.
# Runs the packaged service (target/quarkus-app, built if missing; NATIVE_RUNNER=path/to/runner for
# the native executable) with quarkus.init-and-exit: Flyway migrates, then the process exits. Safe
# while replicas run: Flyway holds an advisory lock, and every migration is written to run beside
# the previous version (docs/database.md).
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_JDBC_URL:?set DATABASE_JDBC_URL (jdbc:postgresql://host:5432/db, the direct connection, not a pooler)}"
: "${DATABASE_MIGRATION_USERNAME:?set DATABASE_MIGRATION_USERNAME (the schema owner)}"
: "${DATABASE_MIGRATION_PASSWORD:?set DATABASE_MIGRATION_PASSWORD}"
: "${DATABASE_USERNAME:?set DATABASE_USERNAME (the service role to grant DML to)}"
export DATABASE_JDBC_URL DATABASE_MIGRATION_USERNAME DATABASE_MIGRATION_PASSWORD DATABASE_USERNAME

flags=(-Dquarkus.init-and-exit=true -Dquarkus.flyway.migrate-at-start=true)
if [ -n "${NATIVE_RUNNER:-}" ]; then
  exec "$NATIVE_RUNNER" "${flags[@]}"
fi
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
exec java "${flags[@]}" -jar target/quarkus-app/quarkus-run.jar
