-- V11 (step 5 of 5): the seed's five indexes (§4.2), built CONCURRENTLY so writers are never
-- blocked; Flyway runs a migration holding only CONCURRENTLY statements outside a transaction.
-- IF NOT EXISTS makes a re-run a no-op. A failed build leaves an INVALID index: drop it with
-- DROP INDEX CONCURRENTLY <name>; then `flyway repair` and migrate again.
--
-- idx_whatsapp_messages_whatsapp_id is the seed's non-unique "idempotency index"; V3's unique
-- (instance_name, whatsapp_message_id) index is the one that actually enforces idempotency.
--
-- Rollback:
--   DROP INDEX CONCURRENTLY IF EXISTS core.idx_whatsapp_conversations_session_id;
--   DROP INDEX CONCURRENTLY IF EXISTS healthcare.idx_conversation_logs_session_id;
--   DROP INDEX CONCURRENTLY IF EXISTS healthcare.idx_conversation_logs_clinic_created;
--   DROP INDEX CONCURRENTLY IF EXISTS core.idx_whatsapp_messages_org_created;
--   DROP INDEX CONCURRENTLY IF EXISTS core.idx_whatsapp_messages_whatsapp_id;
-- A build or backfill waits for the lock at most 5 s, and never runs unbounded.
SET lock_timeout = '5s';
SET statement_timeout = '1h';

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_whatsapp_conversations_session_id
    ON core.whatsapp_conversations (session_id);

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_conversation_logs_session_id
    ON healthcare.conversation_logs (session_id);

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_conversation_logs_clinic_created
    ON healthcare.conversation_logs (clinic_id, created_at DESC);

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_whatsapp_messages_org_created
    ON core.whatsapp_messages (organization_id, created_at DESC);

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_whatsapp_messages_whatsapp_id
    ON core.whatsapp_messages (whatsapp_message_id);
