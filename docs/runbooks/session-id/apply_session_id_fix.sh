#!/usr/bin/env bash
# Applies the pending migrations (the session_id fix among them: V7-V11) to the database in
# DATABASE_URL, then runs docs/runbooks/session-id/verify_session_id_columns.sql against it.
#
#   DATABASE_URL=postgresql://user:password@host:5432/db docs/runbooks/session-id/apply_session_id_fix.sh
#
# DATABASE_URL may also be a jdbc:postgresql:// URL (then DATABASE_USERNAME / DATABASE_PASSWORD).
# Safe on a live database: see the header of migrations/V7__session_id_expand.sql. Every migration
# sets lock_timeout, so one that cannot get its lock within seconds fails instead of stalling
# traffic; re-run the script later (applied migrations are skipped).
set -euo pipefail
cd "$(dirname "$0")/../../.."

: "${DATABASE_URL:?set DATABASE_URL, e.g. postgresql://postgres:postgres@127.0.0.1:5432/clinic_ingress}"

if [[ "$DATABASE_URL" == jdbc:* ]]; then
  jdbc_url=$DATABASE_URL
  user=${DATABASE_USERNAME:-postgres}
  password=${DATABASE_PASSWORD:-}
  psql_url="${DATABASE_URL#jdbc:}"
else
  # postgresql://user:password@host:port/db?params
  rest=${DATABASE_URL#*://}
  credentials=""
  [[ "$rest" == *@* ]] && credentials=${rest%%@*} && rest=${rest#*@}
  user=${credentials%%:*}
  password=""
  [[ "$credentials" == *:* ]] && password=${credentials#*:}
  user=${user:-${DATABASE_USERNAME:-postgres}}
  jdbc_url="jdbc:postgresql://$rest"
  psql_url=$DATABASE_URL
fi

echo "applying pending migrations to ${jdbc_url%%\?*}" >&2
start=$(date +%s%N)
# Session-level advisory lock, as in the service (FlywaySettings): CONCURRENTLY cannot deadlock on it.
# MigrationSafety (compiled first) drops INVALID leftovers of failed concurrent builds and refuses to
# finish while an index is INVALID, as the service does at start.
./mvnw -B -q -Pmigrate compile flyway:migrate -Dflyway.postgresql.transactional.lock=false \
  -Dflyway.callbacks=clinic.ingress.postgres.MigrationSafety \
  -Dflyway.url="$jdbc_url" -Dflyway.user="$user" -Dflyway.password="$password"
end=$(date +%s%N)
echo "migrations applied in $(( (end - start) / 1000000 )) ms" >&2

PGUSER="$user" PGPASSWORD="$password" psql "$psql_url" -X -q -f docs/runbooks/session-id/verify_session_id_columns.sql
