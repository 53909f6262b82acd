-- V2: what the ingress needs beside the legacy schema: the quarantine for events we cannot route,
-- the columns of a normalised message, and the legacy duplicates moved aside so V3 can make
-- (instance_name, whatsapp_message_id) unique.
--
-- Fails fast instead of queueing behind live traffic: every ALTER here takes a brief
-- ACCESS EXCLUSIVE lock, and a lock wait would stall every writer queued behind it. Each statement
-- commits on its own (non-transactional migration), so no lock outlives its statement; the
-- statement timeout bounds the whole batched move below.
SET lock_timeout = '5s';
SET statement_timeout = '1h';

-- Events that could not be routed (unknown instance, undecodable body from an authenticated
-- sender). The raw body is kept byte for byte: nothing a clinic sent is ever lost.
CREATE TABLE IF NOT EXISTS core.webhook_quarantine (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at         timestamptz NOT NULL DEFAULT now(),
    reason              text NOT NULL,
    instance_name       text,
    event               text,
    whatsapp_message_id text,
    content_type        text,
    raw                 bytea NOT NULL
);
-- Evolution re-sends a message up to 10 times: keep one copy of each.
-- The table was created just above and is empty: a plain build blocks nothing.
-- squawk-ignore require-concurrent-index-creation
CREATE UNIQUE INDEX IF NOT EXISTS webhook_quarantine_instance_message_key
    ON core.webhook_quarantine (instance_name, whatsapp_message_id)
    WHERE whatsapp_message_id IS NOT NULL;

-- Nullable columns without defaults: metadata-only changes, no table rewrite.
ALTER TABLE core.whatsapp_messages ADD COLUMN IF NOT EXISTS direction text;
ALTER TABLE core.whatsapp_messages ADD COLUMN IF NOT EXISTS patient_key text;
ALTER TABLE core.whatsapp_messages ADD COLUMN IF NOT EXISTS patient_lid text;
-- SHA-256 (hex) of the instance's Evolution token, for the optional body-apikey authentication.
ALTER TABLE core.whatsapp_instances ADD COLUMN IF NOT EXISTS api_key_sha256 text;

-- Legacy duplicates: the earliest copy stays, the others move here (never deleted).
CREATE TABLE IF NOT EXISTS core.whatsapp_messages_duplicates
    (LIKE core.whatsapp_messages INCLUDING DEFAULTS);

-- In batches of 5,000, each committed on its own (this file runs outside a transaction, see
-- V2__ingress_tables.sql.conf): the ALTERs above each held ACCESS EXCLUSIVE only for themselves,
-- and the moves take row locks only, so writers are never blocked for longer than lock_timeout
-- however large the legacy table is. A kill mid-way leaves whole batches moved; the rerun goes on.
DO $$
DECLARE
    batch_moved integer;
BEGIN
    LOOP
        WITH ranked AS (
            SELECT id,
                   row_number() OVER (PARTITION BY instance_name, whatsapp_message_id
                                      ORDER BY created_at, id) AS copy
            FROM core.whatsapp_messages
        ), batch AS (
            SELECT id FROM ranked WHERE copy > 1 LIMIT 5000
        ), moved AS (
            DELETE FROM core.whatsapp_messages m
            USING batch b
            WHERE m.id = b.id
            RETURNING m.*
        )
        INSERT INTO core.whatsapp_messages_duplicates
        SELECT * FROM moved;
        GET DIAGNOSTICS batch_moved = ROW_COUNT;
        COMMIT;
        EXIT WHEN batch_moved = 0;
    END LOOP;
END
$$;

-- Until 2026-11 this file moved the duplicates in one statement inside the migration's transaction,
-- which also held the ALTERs' ACCESS EXCLUSIVE lock: on a large table every writer waited for the
-- whole move. Databases that ran that version keep it: platform.MigrationSafety accepts its recorded
-- checksum as this file's (the schema both produce is the same).
--
-- Rollback:
--   DROP TABLE core.webhook_quarantine;
--   INSERT INTO core.whatsapp_messages SELECT * FROM core.whatsapp_messages_duplicates;
--   DROP TABLE core.whatsapp_messages_duplicates;
--   ALTER TABLE core.whatsapp_messages DROP COLUMN direction, DROP COLUMN patient_key, DROP COLUMN patient_lid;
--   ALTER TABLE core.whatsapp_instances DROP COLUMN api_key_sha256;
