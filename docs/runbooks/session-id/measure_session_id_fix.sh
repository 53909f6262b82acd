#!/usr/bin/env bash
# Measures the session_id fix on a live-sized legacy database: seeds ROWS legacy conversations
# (default 1,000,000: 70% UUIDs, 10% upper-case UUIDs, 10% not UUIDs, 10% NULL), starts a writer
# that inserts continuously (pgbench, 2 clients, one session + one conversation per transaction,
# the statement shape the service uses), runs docs/runbooks/session-id/apply_session_id_fix.sh, and reports the
# migration time, the writer's longest stall and whether every acknowledged write is in the table.
#
#   docs/runbooks/session-id/measure_session_id_fix.sh [ROWS]
#
# Uses its own database (clinic_ingress_migration_bench), recreated each run. A measurement, not a
# test: the numbers go to docs/database.md ("The session_id fix, on a live database") and target/bench/.
set -euo pipefail
cd "$(dirname "$0")/../../.."

rows=${1:-1000000}
db=clinic_ingress_migration_bench
export PGPASSWORD=${PGPASSWORD:-postgres} PGHOST=127.0.0.1 PGUSER=postgres
out=target/bench/session-id-fix
rm -rf "$out" && mkdir -p "$out"

scripts/services.sh start >/dev/null 2>&1
command -v pgbench >/dev/null || { echo "pgbench is needed (Debian: postgresql-contrib or the server package)" >&2; exit 1; }
psql -qX -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"

echo "legacy schema (V1-V6)" >&2
./mvnw -B -q -Pmigrate flyway:migrate -Dflyway.postgresql.transactional.lock=false -Dflyway.target=6 \
  -Dflyway.url="jdbc:postgresql://127.0.0.1:5432/$db" -Dflyway.user=postgres -Dflyway.password="$PGPASSWORD"

echo "seeding $rows legacy conversations" >&2
psql -qX -d "$db" -v rows="$rows" -f docs/runbooks/session-id/seed_legacy_conversations.sql -c "ANALYZE"

cat > "$out/writer.sql" <<'SQL'
WITH s AS (INSERT INTO healthcare.conversation_sessions DEFAULT VALUES RETURNING id)
INSERT INTO core.whatsapp_conversations (instance_name, patient_key, session_id, last_message_at)
SELECT 'writer', 'w-' || gen_random_uuid(), id, now() FROM s;
SQL

# The writer runs in 5-second pgbench rounds until the migration is done, logging every
# transaction's latency (pgbench writes its log when a round ends).
(
  round=0
  while [ ! -f "$out/done" ]; do
    round=$((round + 1))
    pgbench -n -c 2 -j 2 -T 5 -f "$out/writer.sql" -l --log-prefix="$out/writer-$round" "$db" \
      > "$out/pgbench-$round.txt" 2>&1 || echo "round $round failed" >> "$out/writer-errors.txt"
  done
) &
writer=$!
sleep 5

start=$(date +%s%N)
DATABASE_URL="postgresql://postgres:$PGPASSWORD@127.0.0.1:5432/$db" docs/runbooks/session-id/apply_session_id_fix.sh > "$out/verify.txt" 2>&1
end=$(date +%s%N)
sleep 5
touch "$out/done"
wait $writer

migration_ms=$(( (end - start) / 1000000 ))
# pgbench log: client transaction latency_us script epoch_s epoch_us
stats=$(cat "$out"/writer-[0-9]* | awk '{n++; if ($3 > max) max = $3; sum += $3} END {printf "%d %d %.2f", n, max / 1000, sum / n / 1000}')
read -r acknowledged stall_ms mean_ms <<< "$stats"
stored=$(psql -qAtX -d "$db" -c "SELECT count(*) FROM core.whatsapp_conversations WHERE instance_name = 'writer'")
failed_rounds=$(cat "$out/writer-errors.txt" 2>/dev/null | wc -l)
legacy=$(psql -qAtX -d "$db" -c "SELECT count(*) FROM core.whatsapp_conversations WHERE instance_name = 'legacy'")
kept=$(psql -qAtX -d "$db" -c "SELECT count(*) FROM core.whatsapp_conversations WHERE instance_name = 'legacy' AND session_id_legacy IS NOT NULL AND session_id IS NULL")

cat > "$out/report.md" <<MD
| Measured ($(date -u +%Y-%m-%d), $(nproc) cores) | Value |
|---|---|
| legacy rows | $legacy (seeded $rows) |
| apply_session_id_fix.sh (V7-V11 + verification) | $migration_ms ms |
| writer transactions acknowledged during the run | $acknowledged |
| writer rows in the table | $stored |
| writer rounds that failed | $failed_rounds |
| writer's longest stall (max transaction latency) | $stall_ms ms (goal: at most 500 ms) |
| writer's mean latency | $mean_ms ms |
| legacy values that are not UUIDs, kept in session_id_legacy | $kept |
MD
cat "$out/report.md"
grep -A4 "preserved_non_uuid" "$out/verify.txt" || true
[ "$acknowledged" = "$stored" ] && echo "no acknowledged write lost" || echo "WRITES LOST: $acknowledged acknowledged, $stored stored"
