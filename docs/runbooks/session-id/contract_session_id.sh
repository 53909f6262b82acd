#!/usr/bin/env bash
# The contract phase of the session_id fix: drops core.whatsapp_conversations.session_id_legacy once
# the verification window has passed, after archiving the values a uuid cannot hold.
#
#   DATABASE_URL=postgresql://owner:password@host:5432/db docs/runbooks/session-id/contract_session_id.sh [--apply] [--window-days N]
#
# Dry run by default: prints the gate (contract_session_id_gate.sql) and changes nothing. --apply
# then runs contract_session_id.sql (archive and drop, one transaction), only when the gate is open. --window-days (default 30): how long
# after V9's swap the column must have been kept. Run it as the schema owner (the migration role),
# after the Python backend stopped writing (docs/cutover.md). Exit codes: 0 done or dry run; 3 the
# gate is closed or a statement failed (psql prints which; a lock not granted within 5 s: re-run).
set -euo pipefail
cd "$(dirname "$0")"

apply=off
window_days=30
while [ $# -gt 0 ]; do
  case $1 in
    --apply) apply=on ;;
    --window-days) window_days=${2:?--window-days needs a number}; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$window_days" =~ ^[0-9]+$ ]] || { echo "--window-days must be a whole number of days, not '$window_days'" >&2; exit 2; }
: "${DATABASE_URL:?set DATABASE_URL, e.g. postgresql://postgres:postgres@127.0.0.1:5432/clinic_ingress}"
url=${DATABASE_URL#jdbc:}
if [[ "$DATABASE_URL" == jdbc:* ]]; then
  export PGUSER=${DATABASE_USERNAME:-${PGUSER:-postgres}} PGPASSWORD=${DATABASE_PASSWORD:-${PGPASSWORD:-}}
fi
present=$(psql "$url" -X -qAt -c "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'core'
  AND table_name = 'whatsapp_conversations' AND column_name = 'session_id_legacy'")
psql "$url" -X -q -v apply="$apply" -v window_days="$window_days" -f contract_session_id_gate.sql
if [ "$apply" = on ] && [ "$present" = 1 ]; then
  psql "$url" -X -q -v ON_ERROR_STOP=1 -f contract_session_id.sql
  archived=$(psql "$url" -X -qAt -c "SELECT count(*) FROM core.whatsapp_conversations_session_id_legacy")
  echo "session_id_legacy dropped; core.whatsapp_conversations_session_id_legacy holds $archived values a uuid cannot hold"
fi
