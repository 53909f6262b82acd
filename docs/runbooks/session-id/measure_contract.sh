#!/usr/bin/env bash
# Measures what the session_id fix saves, against the seed's claim (36 -> 16 bytes per id, 56 %):
# seeds ROWS legacy conversations (default 1,000,000; 70% UUIDs, 10% upper-case UUIDs, 10% not UUIDs,
# 10% NULL, as measure_session_id_fix.sh), then reports bytes per id, bytes per row, the table and the
# session_id index at three points:
#   legacy    V6, varchar session_id (with the index the seed's fix would build on it, for comparison)
#   expanded  V7-V21 applied: uuid session_id beside session_id_legacy (what runs today)
#   contract  contract_session_id.sh --apply, then VACUUM FULL (the drop itself frees nothing until
#             rows are rewritten; VACUUM FULL stands in for pg_repack or for time)
#
#   docs/runbooks/session-id/measure_contract.sh [ROWS]
#
# Uses its own database (clinic_ingress_contract_bench), recreated each run. A measurement, not a
# test: the numbers go to docs/database.md ("The contract phase") and target/bench/session-id-contract/.
set -euo pipefail
cd "$(dirname "$0")/../../.."

rows=${1:-1000000}
db=clinic_ingress_contract_bench
export PGPASSWORD=${PGPASSWORD:-postgres} PGHOST=127.0.0.1 PGUSER=postgres
out=target/bench/session-id-contract
rm -rf "$out" && mkdir -p "$out"

scripts/services.sh start >/dev/null 2>&1
psql -qX -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
migrate() {
  ./mvnw -B -q -Pmigrate flyway:migrate -Dflyway.postgresql.transactional.lock=false "$@" \
    -Dflyway.url="jdbc:postgresql://127.0.0.1:5432/$db" -Dflyway.user=postgres -Dflyway.password="$PGPASSWORD"
}
q() { psql -qAtX -d "$db" -c "$1"; }

echo "legacy schema (V1-V6), $rows conversations" >&2
migrate -Dflyway.target=6
psql -qX -d "$db" -v rows="$rows" -f docs/runbooks/session-id/seed_legacy_conversations.sql
# The index the seed's fix builds, on the varchar column: the "before" of idx_whatsapp_conversations_session_id.
# (Dropped before V7-V21, which build theirs on the uuid column.)
psql -qX -d "$db" -c "CREATE INDEX bench_legacy_session_id ON core.whatsapp_conversations (session_id)" \
  -c "VACUUM ANALYZE core.whatsapp_conversations"

# point: bytes of a UUID id (rows holding a UUID), bytes per row, table, session_id index
measure() {
  local point=$1 legacy_column=$2
  local id_bytes
  if [ "$point" = legacy ]; then
    id_bytes=$(q "SELECT round(avg(pg_column_size(session_id)), 1) FROM core.whatsapp_conversations WHERE session_id ~* '^[0-9a-f]{8}-'")
  else
    id_bytes=$(q "SELECT round(avg(pg_column_size(session_id)), 1) FROM core.whatsapp_conversations WHERE session_id IS NOT NULL")
  fi
  local legacy_bytes=-
  [ "$legacy_column" = yes ] && [ "$point" != legacy ] && \
    legacy_bytes=$(q "SELECT round(avg(pg_column_size(session_id_legacy)), 1) FROM core.whatsapp_conversations WHERE session_id_legacy IS NOT NULL")
  local row_bytes table index
  row_bytes=$(q "SELECT round(avg(pg_column_size(c.*)), 1) FROM core.whatsapp_conversations c")
  table=$(q "SELECT pg_table_size('core.whatsapp_conversations')")
  index=$(q "SELECT pg_relation_size(coalesce(to_regclass('core.bench_legacy_session_id'),
                                             to_regclass('core.idx_whatsapp_conversations_session_id')))")
  echo "$point|$id_bytes|$legacy_bytes|$row_bytes|$table|$index"
}

measure legacy no | tee "$out/points.txt"
echo "expand: V7-V21" >&2
q "DROP INDEX core.bench_legacy_session_id"
migrate
psql -qX -d "$db" -c "VACUUM ANALYZE core.whatsapp_conversations"
measure expanded yes | tee -a "$out/points.txt"
echo "contract" >&2
start=$(date +%s%N)
DATABASE_URL="postgresql://postgres:$PGPASSWORD@127.0.0.1:5432/$db" docs/runbooks/session-id/contract_session_id.sh --apply --window-days 0 \
  > "$out/contract.txt" 2>&1
contract_ms=$(( ($(date +%s%N) - start) / 1000000 ))
measure dropped no | tee -a "$out/points.txt"
start=$(date +%s%N)
psql -qX -d "$db" -c "VACUUM FULL ANALYZE core.whatsapp_conversations"
vacuum_ms=$(( ($(date +%s%N) - start) / 1000000 ))
measure contract no | tee -a "$out/points.txt"
archived=$(q "SELECT count(*) FROM core.whatsapp_conversations_session_id_legacy")

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
{
  echo "| $rows conversations ($(date -u +%Y-%m-%d), PostgreSQL $(q 'SHOW server_version')) | bytes per UUID id | bytes per legacy value | bytes per row | table | session_id index |"
  echo "|---|---|---|---|---|---|"
  while IFS='|' read -r point id legacy row table index; do
    echo "| $point | $id | $legacy | $row | $(mib "$table") | $(mib "$index") |"
  done < "$out/points.txt"
  echo
  echo "contract_session_id.sh --apply: $contract_ms ms ($archived values archived); VACUUM FULL: $vacuum_ms ms"
} > "$out/report.md"
cat "$out/report.md"
