#!/usr/bin/env bash
# Admin operators: each person or tool that calls /admin/* has a token of its own, so the audit
# trail (GET /admin/audit, core.admin_audit) says who did what, and one token can be revoked alone.
#
#   scripts/admin-operator.sh add NAME       a new token for NAME, printed once (only its SHA-256 is stored)
#   scripts/admin-operator.sh revoke NAME    NAME's token stops working at once (the row is kept)
#   scripts/admin-operator.sh list           operators, when created, whether revoked
#
# Run as a role that may write core.admin_operators (the schema owner, or postgres): the service's
# own role may only read it. PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE (clinic_ingress)
# choose the database. The token never reaches a command line: it is generated here, hashed here,
# and only its hash goes to psql.
set -euo pipefail
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-postgres} PGDATABASE=${PGDATABASE:-clinic_ingress}
export PGPASSWORD=${PGPASSWORD:-postgres}
command=${1:-}
name=${2:-}
case "$command" in
  add)
    [ -n "$name" ] || { echo "usage: $0 add NAME" >&2; exit 2; }
    token=$(openssl rand -hex 32)
    hash=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
    psql -qX -v ON_ERROR_STOP=1 -v name="$name" -v hash="$hash" <<'SQL'
INSERT INTO core.admin_operators (name, token_sha256) VALUES (:'name', :'hash')
ON CONFLICT (name) DO UPDATE SET token_sha256 = EXCLUDED.token_sha256, created_at = now(), revoked_at = NULL;
SQL
    echo "operator $name: its token follows, shown once (Authorization: Bearer <token> on port 9000)" >&2
    echo "$token"
    ;;
  revoke)
    [ -n "$name" ] || { echo "usage: $0 revoke NAME" >&2; exit 2; }
    psql -qX -v ON_ERROR_STOP=1 -v name="$name" <<'SQL'
UPDATE core.admin_operators SET revoked_at = now() WHERE name = :'name' AND revoked_at IS NULL;
SQL
    echo "operator $name revoked" >&2
    ;;
  list)
    psql -X -c "SELECT name, created_at, revoked_at FROM core.admin_operators ORDER BY name"
    ;;
  *)
    echo "usage: $0 add|revoke|list [NAME]" >&2; exit 2 ;;
esac
