-- The contract phase of the session_id fix: archives the legacy values a uuid cannot hold, then
-- drops core.whatsapp_conversations.session_id_legacy, in one transaction. Run it through
-- contract_session_id.sh, which runs it only when contract_session_id_gate.sql finds the gate open
-- (the swap verified and the verification window passed). Linted by squawk with migrations/.
--
-- Values a uuid cannot hold (not UUIDs, empty, padded) move to core.whatsapp_conversations_session_id_legacy
-- first, so dropping the column loses no original value; upper-case UUIDs are the same uuid and are
-- not copied. Archived rows go with their conversation (ON DELETE CASCADE: an erasure or a retention
-- delete removes them too); the service's role has no grant on the table (afterMigrate__runtime_grants.sql
-- lists none).
--
-- Rollback (after it ran): add the column back and refill it from session_id and the archive:
--   ALTER TABLE core.whatsapp_conversations ADD COLUMN session_id_legacy varchar(255);
--   UPDATE core.whatsapp_conversations c SET session_id_legacy = coalesce(
--       (SELECT a.session_id_legacy FROM core.whatsapp_conversations_session_id_legacy a WHERE a.conversation_id = c.id),
--       c.session_id::text);      (upper-case UUIDs come back lower-case; the service never reads the column)
BEGIN;
-- lock_timeout: the DROP needs ACCESS EXCLUSIVE for a catalog change; behind a long transaction it
-- fails after 5 s (re-run later) instead of queueing every writer behind it.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '10min';
CREATE TABLE IF NOT EXISTS core.whatsapp_conversations_session_id_legacy (
    conversation_id   uuid PRIMARY KEY REFERENCES core.whatsapp_conversations (id) ON DELETE CASCADE,
    session_id_legacy text NOT NULL,
    archived_at       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE core.whatsapp_conversations_session_id_legacy IS
    'session_id values the Python backend wrote that are not UUIDs, kept when session_id_legacy was dropped';
INSERT INTO core.whatsapp_conversations_session_id_legacy (conversation_id, session_id_legacy)
SELECT id, session_id_legacy FROM core.whatsapp_conversations
WHERE session_id_legacy IS NOT NULL AND lower(session_id_legacy) IS DISTINCT FROM session_id::text
ON CONFLICT (conversation_id) DO NOTHING;
-- Dropping is the point of the contract phase, gated above: no reader is left (the service reads
-- session_id), every value a uuid cannot hold was archived in this transaction, and the drop is a
-- catalog change (the space comes back as rows are rewritten, or at once with VACUUM FULL/pg_repack).
-- squawk-ignore ban-drop-column
ALTER TABLE core.whatsapp_conversations DROP COLUMN IF EXISTS session_id_legacy;
COMMIT;
