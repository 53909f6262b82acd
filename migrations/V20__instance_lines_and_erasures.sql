-- V20: each WhatsApp line's status, and patients' erasures (issue 31).
--
-- core.instance_lines
--   one row per instance: the state of its WhatsApp line as Evolution last reported it (open,
--   connecting, close, refused, qrcode, logout, removed), Baileys' reason code, since when it has
--   been in that state (when the change arrived), and the time of the newest event applied, by
--   Evolution's clock (a late delivery of an older event does not overwrite a newer one). No
--   patient data.
-- core.patient_erasures
--   one row per erasure request, durable so that a crash midway finishes on restart (claimed_until
--   is the running replica's lease). patient_key is the patient's phone or LID while the erasure
--   runs and NULL once it is done; subject (SHA-256 of the patient's pseudonym) and removed (what was
--   deleted, counted) stay as the receipt.
-- core.whatsapp_messages (created_at): the index message retention deletes along.
--
-- New tables and a nullable-free create: metadata only. The index is built CONCURRENTLY, so this
-- file runs outside a transaction (V20__instance_lines_and_erasures.sql.conf).
--
-- Rollback:
--   DROP TABLE core.instance_lines; DROP TABLE core.patient_erasures;
--   DROP INDEX CONCURRENTLY IF EXISTS core.whatsapp_messages_created;
SET lock_timeout = '5s';
SET statement_timeout = '2h';

CREATE TABLE IF NOT EXISTS core.instance_lines (
    instance_name text PRIMARY KEY,
    state text NOT NULL,
    reason text,
    since timestamptz NOT NULL,
    event_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS core.patient_erasures (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL,
    instance_name text NOT NULL,
    subject text NOT NULL,
    patient_key text,
    operator text NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    claimed_until timestamptz NOT NULL DEFAULT now(),
    removed jsonb
);

CREATE INDEX CONCURRENTLY IF NOT EXISTS whatsapp_messages_created
    ON core.whatsapp_messages (created_at);
