-- V9 (step 3 of 5): swap. Renames are catalog-only: the ACCESS EXCLUSIVE lock they need is held
-- for milliseconds, and lock_timeout makes the migration fail (and retry later) rather than queue
-- every writer behind a long-running transaction. After it:
--   session_id         uuid, the converted value (NULL where the legacy value was not a UUID)
--   session_id_legacy  the original varchar value of every legacy row, kept unchanged
-- The application reads session_id as text (session_id::text) and writes it as uuid, so the same
-- statements run before and after this migration.
--
-- Rollback:
--   ALTER TABLE core.whatsapp_conversations DROP CONSTRAINT IF EXISTS whatsapp_conversations_session_id_fkey;
--   ALTER TABLE core.whatsapp_conversations RENAME COLUMN session_id TO session_uuid;
--   ALTER TABLE core.whatsapp_conversations RENAME COLUMN session_id_legacy TO session_id;
--   UPDATE core.whatsapp_conversations SET session_id = session_uuid::text WHERE session_id IS NULL;
--   then re-create the V7 trigger, or drop session_uuid.
SET lock_timeout = '5s';
SET statement_timeout = '5min';

-- Rows written between V8's last batch and now were kept in sync by the V7 trigger; this catches
-- anything else (it normally updates nothing).
UPDATE core.whatsapp_conversations
SET session_uuid = core.as_uuid(session_id::text)
WHERE session_uuid IS NULL AND core.as_uuid(session_id::text) IS NOT NULL;

DROP TRIGGER IF EXISTS whatsapp_conversations_sync_session_uuid ON core.whatsapp_conversations;
DROP FUNCTION IF EXISTS core.sync_session_uuid();
DROP PROCEDURE IF EXISTS core.backfill_session_uuid(integer);

-- Flyway runs this file in one transaction: the swap is all or nothing (squawk cannot know).
-- squawk-ignore prefer-robust-stmts
ALTER TABLE core.whatsapp_conversations RENAME COLUMN session_id TO session_id_legacy;
-- squawk-ignore prefer-robust-stmts
ALTER TABLE core.whatsapp_conversations RENAME COLUMN session_uuid TO session_id;
COMMENT ON COLUMN core.whatsapp_conversations.session_id_legacy IS
    'session_id as the Python backend wrote it (varchar), kept unchanged by V9; NULL for rows written since';

-- NOT VALID: enforced for every new or updated row at once, existing rows are checked by V10
-- without blocking writers.
ALTER TABLE core.whatsapp_conversations
    -- squawk-ignore prefer-robust-stmts
    ADD CONSTRAINT whatsapp_conversations_session_id_fkey
    FOREIGN KEY (session_id) REFERENCES healthcare.conversation_sessions (id) NOT VALID;
