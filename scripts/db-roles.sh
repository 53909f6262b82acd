#!/usr/bin/env bash
# The two PostgreSQL roles of a deployment, created once by an administrator (the postgres user,
# Supabase's postgres, an RDS master user):
#
#   owner   runs the migrations (QUARKUS_FLYWAY_USERNAME or DATABASE_MIGRATION_USERNAME): owns the
#           schemas core and healthcare, which its first migration creates
#   app     the service (DATABASE_USERNAME): connects, and after each migration gets SELECT, INSERT,
#           UPDATE and DELETE on the service's tables (the Flyway callback
#           migrations/afterMigrate__runtime_grants.sql), nothing more: no DDL, no TRUNCATE, not
#           Flyway's history
#
#   DATABASE=clinic_ingress OWNER_ROLE=clinic_ingress_owner OWNER_PASSWORD=... \
#   APP_ROLE=clinic_ingress_app APP_PASSWORD=... PGHOST=... PGUSER=postgres scripts/db-roles.sh
#
# Idempotent: existing roles are kept (their password reset when one is given). A database the
# Python backend created keeps its owner: pass OWNER_ROLE=postgres (or whoever owns core and
# healthcare) and only the app role is created. The app role also gets statement_timeout
# (STATEMENT_TIMEOUT, 10s) on the server, which a transaction pooler does not let the service send
# at connect (ingress.postgres.pooled, docs/supabase.md). docs/deployment.md#database-roles.
# Needs psql 15 or later (\getenv).
set -euo pipefail

DATABASE=${DATABASE:-clinic_ingress}
OWNER_ROLE=${OWNER_ROLE:-clinic_ingress_owner}
APP_ROLE=${APP_ROLE:-clinic_ingress_app}
STATEMENT_TIMEOUT=${STATEMENT_TIMEOUT:-10s}
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-postgres} PGDATABASE=$DATABASE
export PGPASSWORD=${PGPASSWORD:-postgres}

# The passwords reach psql through its environment (\getenv), never its command line, where ps and
# /proc/*/cmdline would show them.
export OWNER_PASSWORD=${OWNER_PASSWORD:-} APP_PASSWORD=${APP_PASSWORD:-}
psql -qX -v ON_ERROR_STOP=1 -v db="$DATABASE" -v owner="$OWNER_ROLE" -v app="$APP_ROLE" \
  -v timeout="$STATEMENT_TIMEOUT" <<'SQL'
\set owner_password ''
\set app_password ''
\getenv owner_password OWNER_PASSWORD
\getenv app_password APP_PASSWORD
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB', :'owner')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOINHERIT', :'app')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'owner', :'owner_password') WHERE :'owner_password' <> '' \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'app', :'app_password') WHERE :'app_password' <> '' \gexec
-- The owner creates the schemas (the first migration); the app only connects.
GRANT CONNECT, CREATE ON DATABASE :"db" TO :"owner";
GRANT CONNECT ON DATABASE :"db" TO :"app";
ALTER ROLE :"app" IN DATABASE :"db" SET statement_timeout = :'timeout';
SQL
echo "[db-roles] $DATABASE: owner $OWNER_ROLE (migrations), app $APP_ROLE (DML after the next migration)" >&2
