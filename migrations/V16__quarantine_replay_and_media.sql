-- V16: quarantine replay and media messages (issue 21).
--
-- core.webhook_quarantine
--   replayed_at           when a replay took the row through the store path (kept, not deleted:
--                         ingress.quarantine.retention deletes it like any other row)
--   replay_outcome        stored, duplicate, or failed:<why>
--   webhook_quarantine_pending_replay: the rows a replay looks for, per instance in arrival order;
--   partial, so it holds only what still waits.
-- core.quarantine_replays
--   one row per instance being (or last) replayed: claimed_until is the replaying replica's lease.
--   A replica takes it with one conditional upsert, so one replica at a time replays an instance and
--   its messages go through in arrival order; a replica that dies leaves a lease that runs out.
-- core.whatsapp_messages
--   media                 {type, bytes, sha256, inBody} of an image, video, audio, document or
--                         sticker message: what its turn says arrived (the bytes are never stored)
--
-- Nullable columns without defaults are metadata-only changes. The index is built CONCURRENTLY, so
-- this file runs outside a transaction (V16__quarantine_replay_and_media.sql.conf).
--
-- Rollback:
--   DROP INDEX CONCURRENTLY IF EXISTS core.webhook_quarantine_pending_replay;
--   ALTER TABLE core.webhook_quarantine DROP COLUMN replayed_at, DROP COLUMN replay_outcome;
--   DROP TABLE core.quarantine_replays;
--   ALTER TABLE core.whatsapp_messages DROP COLUMN media;
SET lock_timeout = '5s';
SET statement_timeout = '1h';

ALTER TABLE core.webhook_quarantine ADD COLUMN IF NOT EXISTS replayed_at timestamptz;
ALTER TABLE core.webhook_quarantine ADD COLUMN IF NOT EXISTS replay_outcome text;
CREATE TABLE IF NOT EXISTS core.quarantine_replays (
    instance_name text PRIMARY KEY,
    claimed_until timestamptz NOT NULL
);
ALTER TABLE core.whatsapp_messages ADD COLUMN IF NOT EXISTS media jsonb;
-- Legacy duplicates are a copy of the messages table's shape (V2): keep them alike.
ALTER TABLE core.whatsapp_messages_duplicates ADD COLUMN IF NOT EXISTS media jsonb;

CREATE INDEX CONCURRENTLY IF NOT EXISTS webhook_quarantine_pending_replay
    ON core.webhook_quarantine (instance_name, id)
    WHERE reason = 'unknown-instance' AND replayed_at IS NULL;
