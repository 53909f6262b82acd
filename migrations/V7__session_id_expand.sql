-- V7 (seed §2, done safely, step 1 of 5): expand.
--
-- The seed converts core.whatsapp_conversations.session_id from varchar to uuid with
-- ALTER COLUMN ... TYPE uuid USING session_id::uuid: that rewrites the whole table under an
-- ACCESS EXCLUSIVE lock (every reader and writer waits), and fails outright, or loses data if
-- "fixed" with a NULLIF, on the first value that is not a UUID. Instead:
--   V7  add session_uuid (metadata only) and a trigger that keeps it in sync for every write
--   V8  backfill session_uuid in small committed batches (no long row locks)
--   V9  swap the columns by renaming (brief lock); the varchar column stays as session_id_legacy,
--       so every legacy value is kept, UUID or not; add the foreign key NOT VALID
--   V10 validate the foreign key (does not block writers)
--   V11 the seed's five indexes, CONCURRENTLY
--
-- Rollback (before V9 only):
--   DROP TRIGGER IF EXISTS whatsapp_conversations_sync_session_uuid ON core.whatsapp_conversations;
--   DROP FUNCTION IF EXISTS core.sync_session_uuid();
--   DROP PROCEDURE IF EXISTS core.backfill_session_uuid(integer);
--   ALTER TABLE core.whatsapp_conversations DROP COLUMN IF EXISTS session_uuid;
SET lock_timeout = '5s';
SET statement_timeout = '60s';

ALTER TABLE core.whatsapp_conversations ADD COLUMN IF NOT EXISTS session_uuid uuid;

-- The one definition of "is a UUID" used by every step (case-insensitive: upper-case legacy values convert).
CREATE OR REPLACE FUNCTION core.as_uuid(value text) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                THEN value::uuid END
$$;

CREATE OR REPLACE FUNCTION core.sync_session_uuid() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.session_uuid := core.as_uuid(NEW.session_id::text);
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS whatsapp_conversations_sync_session_uuid ON core.whatsapp_conversations;
CREATE TRIGGER whatsapp_conversations_sync_session_uuid
    BEFORE INSERT OR UPDATE OF session_id ON core.whatsapp_conversations
    FOR EACH ROW EXECUTE FUNCTION core.sync_session_uuid();

-- Walks the table in primary-key order, batch_size rows per transaction, pausing between batches
-- so concurrent writers never wait long on a row lock. Idempotent: converted rows are skipped.
CREATE OR REPLACE PROCEDURE core.backfill_session_uuid(batch_size integer DEFAULT 5000)
LANGUAGE plpgsql AS $$
DECLARE
    last_id uuid := '00000000-0000-0000-0000-000000000000';
    next_id uuid;
BEGIN
    LOOP
        SELECT id INTO next_id
        FROM (SELECT id FROM core.whatsapp_conversations WHERE id > last_id ORDER BY id LIMIT batch_size) batch
        ORDER BY id DESC
        LIMIT 1;
        EXIT WHEN next_id IS NULL;
        UPDATE core.whatsapp_conversations
        SET session_uuid = core.as_uuid(session_id::text)
        WHERE id > last_id AND id <= next_id
          AND session_uuid IS NULL
          AND core.as_uuid(session_id::text) IS NOT NULL;
        last_id := next_id;
        COMMIT;
        PERFORM pg_sleep(0.005);
    END LOOP;
    -- Sessions that legacy rows point to but that do not exist are created, so the foreign key can
    -- be validated without dropping a single link.
    INSERT INTO healthcare.conversation_sessions (id, clinic_id, organization_id)
    SELECT DISTINCT ON (c.session_uuid) c.session_uuid, c.clinic_id, c.organization_id
    FROM core.whatsapp_conversations c
    WHERE c.session_uuid IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM healthcare.conversation_sessions s WHERE s.id = c.session_uuid)
    ON CONFLICT (id) DO NOTHING;
    COMMIT;
END
$$;
