-- Verifies the session_id fix (migrations V7-V11) on the database psql is connected to:
--   psql "$DATABASE_URL" -f docs/runbooks/session-id/verify_session_id_columns.sql
-- Read-only. Reports every session_id column with its type, the foreign keys on them, the
-- indexes of the seed (§4.2), the applied migrations, and the legacy values kept aside.
\pset footer off
\echo '== session_id columns (expect uuid, except session_id_legacy which keeps the old varchar values)'
SELECT table_schema || '.' || table_name AS "table", column_name AS "column", data_type AS "type", is_nullable AS "nullable"
FROM information_schema.columns
WHERE column_name LIKE 'session_id%' AND table_schema IN ('core', 'healthcare')
ORDER BY 1, 2;

\echo '== foreign keys on session_id columns (convalidated = t once V10 ran)'
SELECT conrelid::regclass AS "table", conname AS "constraint", pg_get_constraintdef(oid) AS definition, convalidated
FROM pg_constraint
WHERE contype = 'f'
  AND conrelid IN ('core.whatsapp_conversations'::regclass, 'healthcare.conversation_logs'::regclass)
ORDER BY 1, 2;

\echo '== the seed''s five indexes and the idempotency index (valid = t)'
SELECT n.nspname || '.' || c.relname AS "index", i.indrelid::regclass AS "table", i.indisvalid AS valid,
       pg_size_pretty(pg_relation_size(c.oid)) AS size
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname IN ('idx_whatsapp_conversations_session_id', 'idx_conversation_logs_session_id',
                    'idx_conversation_logs_clinic_created', 'idx_whatsapp_messages_org_created',
                    'idx_whatsapp_messages_whatsapp_id', 'whatsapp_messages_instance_message_key')
ORDER BY 1;

\echo '== conversations: converted, kept legacy values that are not UUIDs, without a session'
SELECT count(*) AS conversations,
       count(*) FILTER (WHERE session_id IS NOT NULL) AS with_uuid_session,
       count(*) FILTER (WHERE session_id_legacy IS NOT NULL
                          AND session_id_legacy !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
           AS preserved_non_uuid_legacy_values,
       count(*) FILTER (WHERE session_id IS NULL) AS without_session
FROM core.whatsapp_conversations;

\echo '== migrations applied'
SELECT version, description, success, installed_on
FROM core.flyway_schema_history
WHERE version IS NOT NULL
ORDER BY installed_rank DESC
LIMIT 12;
